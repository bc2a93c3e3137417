// The rate limiter whose counters every server instance shares: each check is one call of
// credit_topup_take_rate_limit (supabase/migrations/0007_shared_rate_limits.sql), which counts the
// request and answers in the same statement. Only the limited routes pay this round trip, and a route
// that calls the ledger anyway (starting a checkout) counts in that call instead (ledgerLimit).

import type { CreditStore } from '../ledger/credit-store.ts';
import type { RateLimit, RateLimiter } from './rate-limiter.ts';

export function createDatabaseRateLimiter(
  store: CreditStore,
  /** Names the limit in the table, so that two limits of one user count apart. */
  limitName: string,
  limit: RateLimit,
): RateLimiter {
  const ledgerLimit = { limitName, maxRequests: limit.requests, windowSeconds: limit.perSeconds };
  return {
    take: (key) => store.takeRateLimit({ ...ledgerLimit, key }),
    ledgerLimit,
  };
}
