// Balance changes as the database announces them (0014_balance_notifications.sql: a trigger NOTIFYs
// every change of a tenant_credit_balance row, whoever made it, the portal's rpc_credit_deduct included),
// fanned out in memory to the subscribers of each tenant. One LISTEN connection per server process, not
// one per stream: a thousand open elements cost the database one connection.
//
// When that connection is lost (a database restart, a network cut), it is opened again with backoff;
// notifications sent meanwhile are gone for good, so once listening again every tenant with subscribers
// gets its balance read afresh.

import postgres from 'postgres';
import { autoRechargeSummaryOf } from '../ledger/auto-recharge-summary.ts';
import type { Balance, CreditStore } from '../ledger/credit-store.ts';

/** The channel the trigger notifies on (0014_balance_notifications.sql). */
export const BALANCE_CHANNEL = 'credit_topup_balance';

export interface BalanceSubscriber {
  /** A balance of the subscribed tenant, announced or read afresh. */
  balance(balance: Balance): void;
  /** The updates are closing (server shutdown): the subscriber ends its stream. */
  end(): void;
}

export interface BalanceUpdates {
  /** Hears every balance of the tenant from now on, until the returned function is called. */
  subscribe(tenantId: string, subscriber: BalanceSubscriber): () => void;
  /** Resolves once the LISTEN is in place (tests and the bench wait for it). */
  ready(): Promise<void>;
  /** Ends every subscriber and closes the LISTEN connection. */
  close(): Promise<void>;
}

export interface BalanceUpdatesOptions {
  /** Reads a tenant's balance after the LISTEN was (re)established. */
  store: Pick<CreditStore, 'getBalance'>;
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  /** First wait before listening again after a lost connection, doubled up to `longestRetryMs`. */
  firstRetryMs?: number;
  longestRetryMs?: number;
}

export function listenForBalanceUpdates(databaseUrl: string, options: BalanceUpdatesOptions): BalanceUpdates {
  const warn = options.warn ?? (() => {});
  const firstRetryMs = options.firstRetryMs ?? 250;
  const longestRetryMs = options.longestRetryMs ?? 10_000;
  const subscribers = new Map<string, Set<BalanceSubscriber>>();
  let closed = false;
  let listening = false;
  /** Listened before: a LISTEN now is a re-LISTEN after a loss, and what was missed is read again. */
  let wasListening = false;
  let attempt: Promise<void> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = 0;
  let readyResolve: () => void = () => {};
  let readyPromise = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });

  const deliver = (tenantId: string, balance: Balance) => {
    for (const subscriber of subscribers.get(tenantId) ?? []) subscriber.balance(balance);
  };

  const onNotify = (channel: string, payload: string) => {
    if (channel !== BALANCE_CHANNEL) return;
    const announced = parseAnnouncement(payload);
    if (announced) deliver(announced.tenantId, announced);
  };

  // A connection of its own, never used for anything but LISTEN: the pool's connections come and go.
  const sql = postgres(databaseUrl, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 5,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: 'credit-topup-listen' },
    onclose: () => {
      if (closed || !listening) return;
      listening = false;
      readyPromise = new Promise<void>((resolve) => {
        readyResolve = resolve;
      });
      warn('balance notifications: the LISTEN connection was lost; listening again');
      listenSoon();
    },
    // Passed on by postgres.js to the connection, though its types do not name it.
    ...({ onnotify: onNotify } as object),
  });

  const listenSoon = () => {
    if (closed || attempt || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      attempt = listenNow().finally(() => {
        attempt = null;
      });
    }, retryDelay);
  };

  const listenNow = async () => {
    try {
      await sql.unsafe(`listen ${BALANCE_CHANNEL}`);
    } catch (error) {
      if (closed) return;
      retryDelay = Math.min(retryDelay * 2 || firstRetryMs, longestRetryMs);
      warn('balance notifications: could not listen; trying again', {
        retry_in_ms: retryDelay,
        code: (error as { code?: string }).code,
      });
      listenSoon();
      return;
    }
    const again = retryDelay > 0 || wasListening;
    listening = true;
    wasListening = true;
    retryDelay = 0;
    readyResolve();
    if (again) await resync();
  };

  // What was announced while nobody listened is lost: every tenant with subscribers is read again.
  const resync = async () => {
    for (const tenantId of [...subscribers.keys()]) {
      try {
        deliver(tenantId, await options.store.getBalance(tenantId));
      } catch (error) {
        warn('balance notifications: could not read a balance after listening again', {
          code: (error as { code?: string }).code,
        });
      }
    }
  };

  attempt = listenNow().finally(() => {
    attempt = null;
  });

  return {
    subscribe(tenantId, subscriber) {
      const set = subscribers.get(tenantId) ?? new Set<BalanceSubscriber>();
      subscribers.set(tenantId, set);
      set.add(subscriber);
      return () => {
        set.delete(subscriber);
        if (!set.size && subscribers.get(tenantId) === set) subscribers.delete(tenantId);
      };
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      for (const set of subscribers.values()) for (const subscriber of set) subscriber.end();
      subscribers.clear();
      await sql.end({ timeout: 1 });
    },
  };
}

/**
 * The trigger's payload; anything else (another sender on the channel) is ignored. Since 0015 it carries
 * the automatic top-up's state (`auto_recharge`); a payload without it (a database before 0015) is still
 * a balance, without the state.
 */
export function parseAnnouncement(payload: string): (Balance & { tenantId: string }) | null {
  try {
    const row = JSON.parse(payload) as Record<string, unknown>;
    const figures = [row.balance_credits, row.reserved_credits, row.available_credits];
    if (typeof row.tenant_id !== 'string' || !figures.every(Number.isSafeInteger)) return null;
    const balance: Balance & { tenantId: string } = {
      tenantId: row.tenant_id,
      balanceCredits: row.balance_credits as number,
      reservedCredits: row.reserved_credits as number,
      availableCredits: row.available_credits as number,
    };
    const autoRecharge = autoRechargeSummaryOf(row.auto_recharge);
    if (autoRecharge) balance.autoRecharge = autoRecharge;
    return balance;
  } catch {
    return null;
  }
}
