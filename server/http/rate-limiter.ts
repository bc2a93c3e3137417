// A fixed-window limit per key (the user): enough to stop a loop or a script from opening hundreds of
// Checkout Sessions. In memory, per server process: each instance limits on its own.

export interface RateLimiter {
  /** Counts one request; returns the seconds to wait when over the limit, else null. */
  take(key: string): number | null;
}

export function createRateLimiter(
  limit: { requests: number; perSeconds: number },
  now: () => number = Date.now,
): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const windowMs = limit.perSeconds * 1000;
  return {
    take(key) {
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
