// How many balance streams may be open: per user (a few tabs; a runaway page cannot hold the server's
// sockets) and per process (each open stream is a socket and a little memory for as long as it lasts).
// Counted in memory: a stream lives in one process, and ends with it.

export interface StreamSlots {
  /** A slot for the user's new stream, or null when over a bound; `release` gives it back (once). */
  take(userId: string): { release(): void } | null;
  open(): number;
}

export function createStreamSlots(bounds: { maxPerUser: number; maxTotal: number }): StreamSlots {
  const perUser = new Map<string, number>();
  let total = 0;
  return {
    take(userId) {
      const mine = perUser.get(userId) ?? 0;
      if (mine >= bounds.maxPerUser || total >= bounds.maxTotal) return null;
      perUser.set(userId, mine + 1);
      total++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          total--;
          const left = (perUser.get(userId) ?? 1) - 1;
          if (left > 0) perUser.set(userId, left);
          else perUser.delete(userId);
        },
      };
    },
    open: () => total,
  };
}
