// Fulfilment from a Stripe Checkout Session object: one function, called from the webhook and from the
// return path (GET /v1/checkout-sessions/:id), as Stripe advises. Crediting itself is exactly-once in SQL.

import type Stripe from 'stripe';
import type { CreditStore, StripeEventRef } from '../ledger/credit-store.ts';
import { idOf } from '../stripe/expandable-id.ts';

/** Paid now: card payments at completion, delayed methods (SEPA) only at async_payment_succeeded. */
export function isSessionPaid(session: Stripe.Checkout.Session): boolean {
  return session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
}

export function paymentIntentIdOf(session: Stripe.Checkout.Session): string | null {
  return idOf(session.payment_intent);
}

/**
 * The session's amounts in the currency we priced it in. With Adaptive Pricing the buyer may pay in their
 * own currency: since API 2025-03-31 the session keeps ours (the buyer's is in presentment_details), but
 * a webhook endpoint on an older API version gets the session in the buyer's currency, with ours under
 * currency_conversion. Either way the ledger compares ours, the only amounts it priced.
 */
export function integrationAmountsOf(session: Stripe.Checkout.Session) {
  const conversion = session.currency_conversion;
  if (conversion) {
    return {
      subtotal: conversion.amount_subtotal,
      total: conversion.amount_total,
      currency: conversion.source_currency,
    };
  }
  return { subtotal: session.amount_subtotal, total: session.amount_total, currency: session.currency };
}

export function fulfilCheckoutSession(
  store: CreditStore,
  session: Stripe.Checkout.Session,
  event: StripeEventRef | null = null,
) {
  const amounts = integrationAmountsOf(session);
  return store.fulfilCheckoutSession({
    checkoutSessionId: session.id,
    // The subtotal is the package price before discounts and tax: what the purchase recorded.
    amountCents: amounts.subtotal ?? -1,
    currency: amounts.currency ?? '',
    paymentIntentId: paymentIntentIdOf(session),
    amountPaidCents: amounts.total,
    event,
  });
}
