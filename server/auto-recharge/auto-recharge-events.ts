// Stripe's events about automatic top-up: the off-session payment's outcome (also for the payment the
// customer confirmed in the page after 3-D Secure), the card a setup session saved, and a card taken
// away. Each is applied through the same exactly-once functions the direct path uses, so an event that
// arrives twice, late or before the API's own answer changes nothing twice.

import type Stripe from 'stripe';
import type { CreditStore, StripeEventRef } from '../ledger/credit-store.ts';
import { creditRechargePayment, rechargeOf, recordFailedRechargePayment } from './recharge-payments.ts';
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
      const result = await creditRechargePayment(store, recharge.purchaseId, paymentIntent, ref);
      if (!result.ok) return { outcome: `refused_${result.code}`, purchaseId: recharge.purchaseId };
      return { outcome: result.credited ? 'credited' : 'already_credited', purchaseId: recharge.purchaseId };
    }
    case 'payment_intent.payment_failed': {
      const paymentIntent = event.data.object;
      const recharge = rechargeOf(paymentIntent);
      if (!recharge) return null;
      const result = await recordFailedRechargePayment(store, recharge, paymentIntent, {
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
