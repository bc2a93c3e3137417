// The `postgres` adapter: a direct connection (Supabase's own database or any PostgreSQL) through the
// `postgres` npm driver. Every call is one statement, so each SQL function runs in its own transaction.

import postgres from 'postgres';
import { type CreditStore, LedgerUnavailableError } from './credit-store.ts';
import { createSqlCreditStore, type LedgerFunction, type LedgerTransport } from './sql-credit-store.ts';

export interface PostgresCreditStoreOptions {
  /** Connections in the pool. */
  maxConnections?: number;
  /**
   * Longest wait for one call, connecting included. A database host that accepts connections but never
   * answers would otherwise hold requests (and Stripe's webhook deliveries) open indefinitely.
   */
  callTimeoutMs?: number;
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function createPostgresCreditStore(
  databaseUrl: string,
  options: PostgresCreditStoreOptions = {},
): CreditStore {
  const callTimeoutMs = options.callTimeoutMs ?? 15_000;
  const withAvailability = <T>(query: () => Promise<T>) => withinDeadline(query, callTimeoutMs);
  const sql = postgres(databaseUrl, {
    max: options.maxConnections ?? 10,
    connect_timeout: 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { application_name: 'credit-topup' },
  });

  const transport: LedgerTransport = {
    async callFunction(name: LedgerFunction, args: Record<string, unknown>) {
      const names = Object.keys(args);
      for (const identifier of [name, ...names]) {
        if (!SAFE_IDENTIFIER.test(identifier)) throw new Error(`not an SQL identifier: ${identifier}`);
      }
      const argumentList = names.map((argName, index) => `${argName} => $${index + 1}`).join(', ');
      const rows = await withAvailability(() =>
        // Prepared once per connection: the text is the same for every call of a function.
        sql.unsafe(
          `select public.${name}(${argumentList}) as result`,
          names.map((n) => toParameter(args[n])),
          { prepare: true },
        ),
      );
      return rows[0]?.result ?? null;
    },

    async selectMemberBalance(userId) {
      const rows = await withAvailability(
        () => sql`select tenant_id, balance_credits, reserved_credits, auto_recharge_state, auto_recharge_reason
                    from public.credit_topup_member_balances_with_auto_recharge where user_id = ${userId}`,
      );
      return rows[0] ?? null;
    },

    async selectPurchases({ tenantId, checkoutSessionId, limit }) {
      const rows = await withAvailability(() =>
        checkoutSessionId
          ? sql`select public.credit_topup_purchase_json(p) as purchase from public.credit_purchases p
                 where p.tenant_id = ${tenantId} and p.stripe_checkout_session_id = ${checkoutSessionId}`
          : sql`select public.credit_topup_purchase_json(p) as purchase from public.credit_purchases p
                 where p.tenant_id = ${tenantId} order by p.created_at desc limit ${limit}`,
      );
      return rows.map((row) => row.purchase as Record<string, unknown>);
    },

    async ping() {
      await withAvailability(() => sql`select 1`);
    },

    async close() {
      await sql.end({ timeout: 5 });
    },
  };
  return createSqlCreditStore(transport);
}

function toParameter(value: unknown): postgres.ParameterOrJSON<never> {
  if (value === undefined) return null;
  return value as postgres.ParameterOrJSON<never>;
}

// SQLSTATE classes that mean "the database is not there right now", as opposed to a bug or a refusal.
const UNAVAILABLE_SQLSTATES = /^(08|53|57P)/;
const UNAVAILABLE_DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

async function withinDeadline<T>(query: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LedgerUnavailableError(`database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    // A call that loses the race may still commit later; every ledger function is idempotent, so the
    // caller's retry (Stripe's redelivery, the widget's poll) finds it done.
    return await Promise.race([query(), deadline]);
  } catch (error) {
    if (error instanceof LedgerUnavailableError) throw error;
    const code = String((error as { code?: unknown }).code ?? '');
    if (UNAVAILABLE_DRIVER_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code)) {
      throw new LedgerUnavailableError(`database unavailable (${code})`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
