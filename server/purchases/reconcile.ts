// Repairs what lost webhooks left behind: lists the account's Checkout Sessions (Stripe keeps them, and
// their events, for 30 days), picks the ones that are ours and paid, and fulfils every one not yet
// credited through the same exactly-once function as the webhook (attaching first a session whose
// attach a database crash lost).

import type Stripe from 'stripe';
import type { CreditStore } from '../ledger/credit-store.ts';
import { attachLostSession } from './attach-lost-session.ts';
import { fulfilCheckoutSession, isSessionPaid } from './fulfil-checkout-session.ts';
import { recordPurchaseDocuments } from './record-purchase-documents.ts';

export type ReconcileAction =
  | 'credited'
  | 'would_credit'
  | 'already_credited'
  | 'unpaid'
  | 'not_ours'
  | `refused_${string}`;

export interface ReconcileRow {
  session: string;
  tenant: string | null;
  credits: number | null;
  action: ReconcileAction;
}

export async function reconcileCheckoutSessions(
  deps: { stripe: Stripe; store: CreditStore },
  options: { sinceSeconds: number; dryRun: boolean; now?: number },
): Promise<ReconcileRow[]> {
  const createdAfter = Math.floor((options.now ?? Date.now()) / 1000) - options.sinceSeconds;
  const rows: ReconcileRow[] = [];
  // The SDK pages through the list (100 per request) as we iterate.
  for await (const session of deps.stripe.checkout.sessions.list({
    created: { gte: createdAfter },
    limit: 100,
  })) {
    const tenant = session.metadata?.tenant_id ?? null;
    let purchase = tenant ? await deps.store.findPurchaseBySession(tenant, session.id) : null;
    // A paid session whose attach a database crash lost names its purchase: attached, then credited. A
    // dry run changes nothing, not even that: there such a session shows as not_ours.
    if (!purchase && tenant && isSessionPaid(session) && !options.dryRun) {
      purchase = await attachLostSession(deps.store, session, { tenantId: tenant });
    }
    const row = (action: ReconcileAction): ReconcileRow => ({
      session: session.id,
      tenant: purchase?.tenantId ?? null,
      credits: purchase?.credits ?? null,
      action,
    });
    if (!purchase) rows.push(row('not_ours'));
    else if (purchase.creditedCredits > 0) rows.push(row('already_credited'));
    else if (!isSessionPaid(session)) rows.push(row('unpaid'));
    else if (options.dryRun) rows.push(row('would_credit'));
    else {
      const result = await fulfilCheckoutSession(deps.store, session);
      if (result.ok) await recordPurchaseDocuments(deps, session, result.purchase);
      rows.push(
        row(result.ok ? (result.credited ? 'credited' : 'already_credited') : `refused_${result.code}`),
      );
    }
  }
  return rows;
}
