// Reads Checkout Sessions from Stripe for GET /v1/checkout-sessions/:id, a route a browser may call as
// often as it likes: left alone, every call would be a call to Stripe (our account's rate limit, our
// latency). Here, concurrent reads of one session share one Stripe call, and a session read less than
// `freshForMs` ago is answered with that read. Per process: N instances ask about one session at most N
// times per interval; the per-user rate limit (in the database) bounds the rest across all of them.
// What changes our answer soon after a payment is the ledger, read on every request, not this copy.

import type Stripe from 'stripe';

export interface CheckoutSessionReader {
  retrieve(sessionId: string): Promise<Stripe.Checkout.Session>;
}

export function createCheckoutSessionReader(
  fromStripe: (sessionId: string) => Promise<Stripe.Checkout.Session>,
  options: { freshForMs: number; now?: () => number },
): CheckoutSessionReader {
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, Promise<Stripe.Checkout.Session>>();
  const recent = new Map<string, { session: Stripe.Checkout.Session; readAt: number }>();

  const forgetOld = (time: number) => {
    for (const [sessionId, read] of recent)
      if (time - read.readAt >= options.freshForMs) recent.delete(sessionId);
  };

  return {
    retrieve(sessionId) {
      const time = now();
      const read = recent.get(sessionId);
      if (read && time - read.readAt < options.freshForMs) return Promise.resolve(read.session);
      const pending = inFlight.get(sessionId);
      if (pending) return pending;
      // Only what fits in the interval is kept: sessions asked about within the last few seconds.
      if (recent.size > 1000) forgetOld(time);
      const call = fromStripe(sessionId).then(
        (session) => {
          recent.set(sessionId, { session, readAt: now() });
          return session;
        },
        // A failure is shared by the calls that waited for it, never kept: the next call asks again.
      );
      const settled = call.finally(() => inFlight.delete(sessionId));
      inFlight.set(sessionId, settled);
      return settled;
    },
  };
}
