// Fulfilment from a Stripe Checkout Session object: one function, called from the webhook and from the
// return path (GET /v1/checkout-sessions/:id), as Stripe advises. Crediting itself is exactly-once in SQL.

import type Stripe from 'stripe';
import type { CreditStore, StripeEventRef } from '../ledger/credit-store.ts';

/** Paid now: card payments at completion, delayed methods (SEPA) only at async_payment_succeeded. */
export function isSessionPaid(session: Stripe.Checkout.Session): boolean {
  return session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
}

export function paymentIntentIdOf(session: Stripe.Checkout.Session): string | null {
  const paymentIntent = session.payment_intent;
  if (!paymentIntent) return null;
  return typeof paymentIntent === 'string' ? paymentIntent : paymentIntent.id;
}

export function fulfilCheckoutSession(
  store: CreditStore,
  session: Stripe.Checkout.Session,
  event: StripeEventRef | null = null,
) {
  return store.fulfilCheckoutSession({
    checkoutSessionId: session.id,
    // The subtotal is the package price before discounts and tax: what the purchase recorded.
    amountCents: session.amount_subtotal ?? -1,
    currency: session.currency ?? '',
    paymentIntentId: paymentIntentIdOf(session),
    amountPaidCents: session.amount_total,
    event,
  });
}
