// A verified Stripe event, from delivery to answer: applied to the ledger, or, when it can never be
// applied, recorded as refused (once per event) so that the answer can be 2xx and Stripe stops
// redelivering it. What may pass (database or Stripe away, a bug of ours that a deploy fixes) is thrown,
// answered 5xx, and Stripe delivers again.

import type Stripe from 'stripe';
import { type ApplyStripeEventDeps, applyStripeEvent, type EventOutcome } from './apply-stripe-event.ts';
import { refusalReasonOf } from './event-refusal.ts';

export interface ReceivedEvent extends EventOutcome {
  /** True only for the delivery that recorded the refusal: the one to log it. */
  refusedForTheFirstTime?: boolean;
}

export async function receiveStripeEvent(
  event: Stripe.Event,
  deps: ApplyStripeEventDeps,
): Promise<ReceivedEvent> {
  let outcome: EventOutcome;
  try {
    outcome = await applyStripeEvent(event, deps);
  } catch (error) {
    const reason = refusalReasonOf(error);
    if (!reason) throw error;
    outcome = { outcome: `refused_${reason}`, refusal: reason };
  }
  if (!outcome.refusal) return outcome;
  const { recorded } = await deps.store.recordRefusedEvent({
    event: { eventId: event.id, eventType: event.type },
    reason: outcome.refusal,
    purchaseId: outcome.purchaseId ?? null,
  });
  return { ...outcome, refusedForTheFirstTime: recorded };
}
