// Repairs what a crash between "Stripe charged" and "we recorded it" left behind, after the 24 hours in
// which the sweep's resend under the same idempotency key would still find the payment: lists the
// account's PaymentIntents, picks the recharges by their metadata and applies each through the same
// exactly-once functions as the webhook. A recharge already recorded changes nothing.

import type Stripe from 'stripe';
import type { CreditStore } from '../ledger/credit-store.ts';
import { creditRechargePayment, rechargeOf, recordFailedRechargePayment } from './recharge-payments.ts';

export interface RechargeReconcileRow {
  payment_intent: string;
  tenant: string | null;
  credits: number | null;
  action:
    | 'credited'
    | 'already_credited'
    | 'would_credit'
    | 'recorded_failure'
    | 'unchanged'
    | 'open'
    | `refused_${string}`;
}

export async function reconcileRechargePayments(
  deps: { stripe: Stripe; store: CreditStore; retryBaseSeconds: number },
  options: { sinceSeconds: number; dryRun: boolean; now?: number },
): Promise<RechargeReconcileRow[]> {
  const createdAfter = Math.floor((options.now ?? Date.now()) / 1000) - options.sinceSeconds;
  const rows: RechargeReconcileRow[] = [];
  for await (const paymentIntent of deps.stripe.paymentIntents.list({
    created: { gte: createdAfter },
    limit: 100,
  })) {
    const recharge = rechargeOf(paymentIntent);
    if (!recharge) continue;
    const row = (action: RechargeReconcileRow['action']): RechargeReconcileRow => ({
      payment_intent: paymentIntent.id,
      tenant: paymentIntent.metadata.tenant_id ?? null,
      credits: null,
      action,
    });
    if (paymentIntent.status === 'succeeded') {
      if (options.dryRun) {
        rows.push(row('would_credit'));
        continue;
      }
      const result = await creditRechargePayment(deps.store, recharge.purchaseId, paymentIntent, null);
      rows.push({
        ...row(result.ok ? (result.credited ? 'credited' : 'already_credited') : `refused_${result.code}`),
        credits: result.ok ? result.purchase.credits : null,
      });
    } else if (paymentIntent.status === 'requires_payment_method' && paymentIntent.last_payment_error) {
      if (options.dryRun) {
        rows.push(row('open'));
        continue;
      }
      const result = await recordFailedRechargePayment(deps.store, recharge, paymentIntent, {
        retryBaseSeconds: deps.retryBaseSeconds,
        event: null,
      });
      rows.push(row(result.ok && result.applied ? 'recorded_failure' : 'unchanged'));
    } else {
      rows.push(row('open'));
    }
  }
  return rows;
}
