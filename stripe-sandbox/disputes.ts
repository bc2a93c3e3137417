// Disputes (chargebacks): opened on a charge, then closed as won or lost, each step an event. A charge can
// be disputed more than once (Stripe lists disputes by charge), e.g. in parts. A chargeback withdraws the
// disputed money at once (`charge.dispute.funds_withdrawn`) and a won one brings it back
// (`charge.dispute.funds_reinstated`); an inquiry (`warning_*`) moves no money.

import type Stripe from 'stripe';
import type { SandboxEvents } from './events.ts';
import { invalid, noSuch } from './sandbox-api-error.ts';
import { disputeObject, stripeId } from './stripe-objects.ts';

const OPEN_STATUSES = ['warning_needs_response', 'needs_response', 'under_review'];

export class Disputes {
  readonly disputes = new Map<string, Stripe.Dispute>();

  constructor(private readonly events: SandboxEvents) {}

  retrieve(id: string): Stripe.Dispute {
    const dispute = this.disputes.get(id);
    if (!dispute) throw noSuch('dispute', id);
    return dispute;
  }

  open(charge: Stripe.Charge, input: { status?: string; amount?: number }): Stripe.Dispute {
    const status = input.status ?? 'needs_response';
    if (!OPEN_STATUSES.includes(status)) throw invalid(`A dispute cannot open as ${status}.`, 'status');
    const amount = input.amount ?? charge.amount;
    if (!Number.isInteger(amount) || amount <= 0 || amount > charge.amount)
      throw invalid(`Dispute amount (${amount}) must be positive and at most the charge's.`, 'amount');
    const dispute = disputeObject({
      id: stripeId('dp'),
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status: status as Stripe.Dispute.Status,
      reason: 'fraudulent',
      is_charge_refundable: status.startsWith('warning_'),
    });
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    this.events.emit('charge.dispute.created', dispute);
    if (!status.startsWith('warning_')) this.events.emit('charge.dispute.funds_withdrawn', dispute);
    return dispute;
  }

  close(disputeId: string, status: 'won' | 'lost'): Stripe.Dispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw noSuch('dispute', disputeId);
    if (!OPEN_STATUSES.includes(dispute.status))
      throw invalid(`Dispute ${disputeId} is already closed (${dispute.status}).`);
    const withdrawn = !dispute.status.startsWith('warning_');
    dispute.status = status;
    this.events.emit('charge.dispute.closed', dispute);
    if (withdrawn && status === 'won') this.events.emit('charge.dispute.funds_reinstated', dispute);
    return dispute;
  }
}
