// A recharge's PaymentIntent, applied to the ledger the same way wherever it is heard of: the API's own
// answer (charge-recharge.ts), Stripe's webhook (auto-recharge-events.ts) and reconcile
// (reconcile-recharges.ts). Each goes through the ledger's exactly-once functions, so hearing of one
// payment in all three places changes nothing twice.

import type Stripe from 'stripe';
import type { CreditStore, StripeEventRef } from '../ledger/credit-store.ts';
import { purchaseIdOf } from '../purchases/documents-from-events.ts';

/** A decline in Stripe's words, as the ledger records it. */
export interface DeclineOf {
  code?: string | null;
  decline_code?: string | null;
  type?: string | null;
  param?: string | null;
}

/**
 * The code recorded for a failed attempt, and whether trying the same card again is pointless: an
 * expired card, or a card Stripe no longer has for the customer, turns automatic top-up off at once.
 */
export function declineOf(error: DeclineOf | null | undefined): { failureCode: string; permanent: boolean } {
  // An empty decline_code (the SDK gives '' where Stripe sent none) is no code: the error's own code counts.
  const code = error?.decline_code || error?.code || 'card_declined';
  if (code === 'expired_card') return { failureCode: 'card_expired', permanent: true };
  // A card or customer Stripe no longer has (detached, deleted in the dashboard): no retry can help.
  if (
    error?.type === 'invalid_request_error' &&
    (error.param === 'payment_method' || error.param === 'customer')
  ) {
    return { failureCode: 'payment_method_unusable', permanent: true };
  }
  return { failureCode: code, permanent: false };
}

export interface RechargeOfPayment {
  rechargeId: string;
  attempt: number;
  purchaseId: string;
}

/** The recharge a payment intent's metadata names (chargeRecharge set it), or null for other payments. */
export function rechargeOf(paymentIntent: Stripe.PaymentIntent): RechargeOfPayment | null {
  const rechargeId = paymentIntent.metadata?.auto_recharge_id;
  const attempt = Number(paymentIntent.metadata?.attempt);
  const purchaseId = purchaseIdOf(paymentIntent.metadata);
  if (!rechargeId || !purchaseId || !Number.isSafeInteger(attempt) || attempt < 1) return null;
  return { rechargeId, attempt, purchaseId };
}

/** Credits a succeeded recharge payment's purchase, once. */
export function creditRechargePayment(
  store: CreditStore,
  purchaseId: string,
  paymentIntent: Stripe.PaymentIntent,
  event: StripeEventRef | null,
) {
  return store.fulfilPaymentIntent({
    purchaseId,
    paymentIntentId: paymentIntent.id,
    amountCents: paymentIntent.amount_received || paymentIntent.amount,
    currency: paymentIntent.currency,
    event,
  });
}

/**
 * Records what a payment that did not succeed says (its last_payment_error), while that attempt is still
 * being charged: a failure recorded before, or a failed 3-D Secure in the page, changes nothing.
 */
export function recordFailedRechargePayment(
  store: CreditStore,
  recharge: RechargeOfPayment,
  paymentIntent: Stripe.PaymentIntent,
  options: { retryBaseSeconds: number; event: StripeEventRef | null },
) {
  const error = paymentIntent.last_payment_error;
  // Still the customer's to complete: the bank asked for 3-D Secure, or a challenge in the page failed
  // (the banner stays; the customer may try again).
  const needsCustomer =
    error?.code === 'authentication_required' || error?.code === 'payment_intent_authentication_failure';
  const { failureCode, permanent } = declineOf(error);
  return store.recordAutoRechargeAttempt({
    rechargeId: recharge.rechargeId,
    attempt: recharge.attempt,
    outcome: needsCustomer ? 'requires_action' : 'failed',
    paymentIntentId: paymentIntent.id,
    failureCode: needsCustomer ? 'authentication_required' : failureCode,
    permanent: needsCustomer ? false : permanent,
    retryBaseSeconds: options.retryBaseSeconds,
    event: options.event,
  });
}
