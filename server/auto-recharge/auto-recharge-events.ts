// Stripe's events about automatic top-up: the off-session payment's outcome (also for the payment the
// customer confirmed in the page after 3-D Secure), the card a setup session saved, and a card taken
// away. Each is applied through the same exactly-once functions the direct path uses, so an event that
// arrives twice, late or before the API's own answer changes nothing twice.

import type Stripe from 'stripe';
import type { CreditStore, StripeEventRef } from '../ledger/credit-store.ts';
import { purchaseIdOf } from '../purchases/documents-from-events.ts';
import { declineOf } from './charge-recharge.ts';
import { isSetupSession, recordCardOfSetupSession } from './saved-card.ts';

export interface AutoRechargeEventDeps {
  store: CreditStore;
  stripe: Stripe;
  livemode: boolean;
  retryBaseSeconds: number;
}

/** The outcome for the log, or null when the event is not about automatic top-up. */
export async function applyAutoRechargeEvent(
  event: Stripe.Event,
  ref: StripeEventRef,
  deps: AutoRechargeEventDeps,
): Promise<{ outcome: string; purchaseId?: string } | null> {
  const { store } = deps;
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const paymentIntent = event.data.object;
      const recharge = rechargeOf(paymentIntent);
      if (!recharge) return null; // a Checkout payment: credited by its session's events
      const result = await store.fulfilPaymentIntent({
        purchaseId: recharge.purchaseId,
        paymentIntentId: paymentIntent.id,
        amountCents: paymentIntent.amount_received || paymentIntent.amount,
        currency: paymentIntent.currency,
        event: ref,
      });
      if (!result.ok) return { outcome: `refused_${result.code}`, purchaseId: recharge.purchaseId };
      return { outcome: result.credited ? 'credited' : 'already_credited', purchaseId: recharge.purchaseId };
    }
    case 'payment_intent.payment_failed': {
      const paymentIntent = event.data.object;
      const recharge = rechargeOf(paymentIntent);
      if (!recharge) return null;
      const error = paymentIntent.last_payment_error;
      // Still the customer's to complete: the bank asked for 3-D Secure, or a challenge in the page failed
      // (the banner stays; the customer may try again).
      const needsCustomer =
        error?.code === 'authentication_required' || error?.code === 'payment_intent_authentication_failure';
      const { failureCode, permanent } = declineOf(error);
      // Only while that attempt is still being charged: a failure the API's answer already recorded, or a
      // failed 3-D Secure in the page (the customer may try again from the banner), changes nothing.
      const result = await store.recordAutoRechargeAttempt({
        rechargeId: recharge.rechargeId,
        attempt: recharge.attempt,
        outcome: needsCustomer ? 'requires_action' : 'failed',
        paymentIntentId: paymentIntent.id,
        failureCode: needsCustomer ? 'authentication_required' : failureCode,
        permanent: needsCustomer ? false : permanent,
        retryBaseSeconds: deps.retryBaseSeconds,
        event: ref,
      });
      const applied = result.ok && result.applied;
      return { outcome: applied ? 'recorded_failure' : 'unchanged', purchaseId: recharge.purchaseId };
    }
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (!isSetupSession(session)) return null;
      const recorded = await recordCardOfSetupSession(session, deps);
      return { outcome: recorded === 'recorded' ? 'card_saved' : 'pending' };
    }
    case 'payment_method.detached': {
      const { disabled } = await store.disableAutoRechargeForPaymentMethod(
        event.data.object.id,
        'payment_method_detached',
      );
      return { outcome: disabled > 0 ? 'auto_recharge_disabled' : 'unchanged' };
    }
    default:
      return null;
  }
}

/** The recharge a payment intent's metadata names (chargeRecharge set it), or null for other payments. */
function rechargeOf(
  paymentIntent: Stripe.PaymentIntent,
): { rechargeId: string; attempt: number; purchaseId: string } | null {
  const rechargeId = paymentIntent.metadata?.auto_recharge_id;
  const attempt = Number(paymentIntent.metadata?.attempt);
  const purchaseId = purchaseIdOf(paymentIntent.metadata);
  if (!rechargeId || !purchaseId || !Number.isSafeInteger(attempt) || attempt < 1) return null;
  return { rechargeId, attempt, purchaseId };
}
