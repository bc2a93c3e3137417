// Picks up the recharges the database asked for. The trigger on the balance (0015) writes an outbox row
// and NOTIFYs; this worker hears it at once, and also sweeps every so often, for a notification lost in a
// reconnect, a retry whose backoff ended, or a row whose charging process died (its lease ran out). Any
// number of processes may run it: the claim (`for update skip locked` plus a lease) gives each row to
// one of them, and the idempotency key makes even a doubled send one payment.

import postgres from 'postgres';
import type Stripe from 'stripe';
import type { Logger } from '../http/logger.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { type ChargeOutcome, chargeRecharge } from './charge-recharge.ts';

/** The channel the outbox trigger notifies on (0015_automatic_topup.sql). */
export const AUTO_RECHARGE_CHANNEL = 'credit_topup_auto_recharge';

export interface AutoRechargeSettingsOfWorker {
  /** How often due rows are swept for, besides the notifications. */
  sweepIntervalMs: number;
  /** How long a claimed row is this process's before another may send it again (same key). */
  leaseSeconds: number;
  retryBaseSeconds: number;
}

export interface RechargeSweeper {
  /** Claims every due recharge and charges it; resolves with how many were claimed. */
  sweep(): Promise<number>;
  /** Claims nothing more (shutdown): what is being charged is finished, no new payment starts. */
  stop(): void;
}

/** Rows claimed per round trip; a sweep goes on while rounds come back full. */
const CLAIM_BATCH = 20;

export function createRechargeSweeper(deps: {
  store: CreditStore;
  stripe: Stripe;
  logger: Logger;
  settings: Pick<AutoRechargeSettingsOfWorker, 'leaseSeconds' | 'retryBaseSeconds'>;
}): RechargeSweeper {
  const { store, logger, settings } = deps;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;

  async function sweepRounds(): Promise<number> {
    let claimed = 0;
    while (!stopped) {
      const claims = await store.claimAutoRecharges(CLAIM_BATCH, settings.leaseSeconds);
      claimed += claims.length;
      await Promise.all(
        claims.map(async (claim) => {
          const fields = {
            auto_recharge_id: claim.rechargeId,
            attempt: claim.attempt,
            purchase_id: claim.purchaseId,
          };
          let outcome: ChargeOutcome;
          try {
            outcome = await chargeRecharge(claim, {
              store,
              stripe: deps.stripe,
              retryBaseSeconds: settings.retryBaseSeconds,
            });
          } catch (error) {
            logger.error('auto recharge failed on our side', { ...fields, error });
            return;
          }
          const log =
            outcome === 'refused'
              ? logger.error
              : outcome === 'stripe_unavailable'
                ? logger.warn
                : logger.info;
          log.call(logger, 'auto recharge', { ...fields, outcome });
        }),
      );
      if (claims.length < CLAIM_BATCH) return claimed;
    }
    return claimed;
  }

  return {
    // One sweep at a time per process; a call during a sweep makes one more afterwards, so that a
    // notification that came in meanwhile is never left for the next interval.
    sweep() {
      if (stopped) return Promise.resolve(0);
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        let total = 0;
        do {
          again = false;
          total += await sweepRounds();
        } while (again && !stopped);
        return total;
      })().finally(() => {
        running = null;
      });
      return running;
    },
    stop() {
      stopped = true;
    },
  };
}

export interface RechargeWorker {
  /** Resolves once the LISTEN is in place (tests wait for it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The Node server's worker: LISTEN where there is a database connection, and the periodic sweep. */
export function startRechargeWorker(
  sweeper: RechargeSweeper,
  options: { databaseUrl: string | null; sweepIntervalMs: number; logger: Logger },
): RechargeWorker {
  const { logger } = options;
  let closed = false;
  let lastSweep: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    if (closed) return;
    lastSweep = sweeper.sweep().catch((error) => logger.warn('auto recharge sweep failed', { error }));
  };
  const timer = setInterval(sweep, options.sweepIntervalMs);
  timer.unref?.();

  const sql = options.databaseUrl
    ? postgres(options.databaseUrl, { max: 1, idle_timeout: 0, onnotice: () => {} })
    : null;
  // postgres.js listens again by itself after a lost connection and then calls onlisten once more: a sweep
  // right then picks up whatever was announced while nobody listened.
  const listening = sql
    ? sql
        .listen(
          AUTO_RECHARGE_CHANNEL,
          () => sweep(),
          () => sweep(),
        )
        .then(() => undefined)
        .catch((error) => logger.warn('auto recharge listen failed; sweeping only', { error }))
    : Promise.resolve();
  sweep();

  return {
    ready: () => listening,
    async close() {
      closed = true;
      sweeper.stop();
      clearInterval(timer);
      await listening;
      await sql?.end({ timeout: 1 });
      // A payment in flight is finished and recorded before the store closes under it.
      await lastSweep;
    },
  };
}
