// Refunds: partial or full, any number of them, up to the charge's amount; each one is announced as
// `refund.created` and as `charge.refunded` carrying the charge's cumulative amount_refunded.

import type Stripe from 'stripe';
import type { SandboxEvents } from './events.ts';
import type { Payments } from './payments.ts';
import { invalid, missing } from './sandbox-api-error.ts';
import { refundObject, stripeId } from './stripe-objects.ts';

export class Refunds {
  constructor(
    private readonly events: SandboxEvents,
    private readonly payments: Payments,
  ) {}

  create(input: { charge?: string; payment_intent?: string; amount?: number }): Stripe.Refund {
    let charge: Stripe.Charge;
    if (input.charge) charge = this.payments.charge(input.charge);
    else if (input.payment_intent) {
      const latest = this.payments.paymentIntent(input.payment_intent).latest_charge;
      if (!latest) throw invalid('This PaymentIntent has no charge to refund.', 'payment_intent');
      charge = this.payments.charge(String(latest));
    } else throw missing('charge');
    if (!charge.paid || charge.status !== 'succeeded')
      throw invalid('This charge cannot be refunded because it has not succeeded.', 'charge');
    const remaining = charge.amount - charge.amount_refunded;
    const amount = input.amount ?? remaining;
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) {
      throw invalid(
        `Refund amount (${amount}) must be positive and at most the unrefunded ${remaining}.`,
        'amount',
      );
    }
    const refund = refundObject({
      id: stripeId('re'),
      amount,
      charge: charge.id,
      currency: charge.currency,
      payment_intent: charge.payment_intent,
      status: 'succeeded',
      // Adaptive Pricing: the refund is in the charge's currency (ours); the buyer gets back their share
      // of what they paid in theirs.
      ...(charge.presentment_details
        ? {
            presentment_details: {
              presentment_amount: Math.round(
                (charge.presentment_details.presentment_amount * amount) / charge.amount,
              ),
              presentment_currency: charge.presentment_details.presentment_currency,
            },
          }
        : {}),
    });
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    charge.refunds = {
      object: 'list',
      data: [refund, ...(charge.refunds?.data ?? [])],
      has_more: false,
      url: `/v1/charges/${charge.id}/refunds`,
    };
    this.events.emit('refund.created', refund);
    this.events.emit('charge.refunded', charge);
    return refund;
  }
}
