// Fixed-window limits per key (the user): enough to stop a loop or a script from opening hundreds of
// Checkout Sessions, or from making our server ask Stripe about a session without end. The counters
// live in one of two stores (RATE_LIMIT_STORE):
//   database  PostgreSQL, one statement per check (database-rate-limiter.ts): every instance, every
//             Node process and Edge Function isolate, counts against the same limit. The default.
//   memory    this process's memory (below): each instance limits on its own, so N instances allow N
//             times the limit. Right only when exactly one process serves the API.

import type { RateLimitTake } from '../ledger/credit-store.ts';

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export type RateLimitStore = 'database' | 'memory';

export interface RateLimiter {
  /** Counts one request; resolves to the seconds to wait when over the limit, else null. */
  take(key: string): Promise<number | null>;
  /**
   * Set when the counters live in the ledger (the database store): a route that calls the ledger anyway
   * counts the request in that call instead of calling take(), and saves a round trip.
   */
  readonly ledgerLimit?: Omit<RateLimitTake, 'key'>;
}

export function createMemoryRateLimiter(limit: RateLimit, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const windowMs = limit.perSeconds * 1000;
  return {
    async take(key) {
      const time = now();
      // Forget finished windows now and then, so the map does not grow with every user ever seen.
      if (windows.size > 10_000) {
        for (const [candidate, window] of windows)
          if (time - window.start >= windowMs) windows.delete(candidate);
      }
      const window = windows.get(key);
      if (!window || time - window.start >= windowMs) {
        windows.set(key, { start: time, count: 1 });
        return null;
      }
      if (window.count >= limit.requests)
        return Math.max(1, Math.ceil((window.start + windowMs - time) / 1000));
      window.count++;
      return null;
    },
  };
}
