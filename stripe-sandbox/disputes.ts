// Disputes (chargebacks): opened on a charge, then closed as won or lost, each step an event.

import type Stripe from 'stripe';
import type { SandboxEvents } from './events.ts';
import { noSuch } from './sandbox-api-error.ts';
import { disputeObject, stripeId } from './stripe-objects.ts';

export class Disputes {
  readonly disputes = new Map<string, Stripe.Dispute>();

  constructor(private readonly events: SandboxEvents) {}

  open(charge: Stripe.Charge, input: { status?: string; amount?: number }): Stripe.Dispute {
    const dispute = disputeObject({
      id: stripeId('dp'),
      amount: input.amount ?? charge.amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status: (input.status ?? 'needs_response') as Stripe.Dispute.Status,
      reason: 'fraudulent',
      is_charge_refundable: false,
    });
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    this.events.emit('charge.dispute.created', dispute);
    return dispute;
  }

  close(disputeId: string, status: 'won' | 'lost'): Stripe.Dispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw noSuch('dispute', disputeId);
    dispute.status = status;
    this.events.emit('charge.dispute.closed', dispute);
    return dispute;
  }
}
