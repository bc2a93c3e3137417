// A session whose attach a database crash lost. Starting a checkout records the purchase durably while
// Stripe makes the session, then attaches the session without waiting for the disk, and only then lets
// its client secret out: a crash right after the answer can lose the attach, never the purchase. The
// session's metadata names the purchase (we wrote it), so wherever news of a session we do not know
// arrives (webhook, return path, reconciliation), it is attached here first and the news applied after.

import type Stripe from 'stripe';
import type { CreditStore, LedgerResult, Purchase } from '../ledger/credit-store.ts';
import { purchaseIdOf } from './documents-from-events.ts';

/**
 * The purchase the session's metadata names, with the session now attached; null when the metadata
 * names none, the purchase is unknown, it has another session, or (with `tenantId`) it is another
 * tenant's.
 */
export async function attachLostSession(
  store: CreditStore,
  session: Stripe.Checkout.Session,
  options: { tenantId?: string } = {},
): Promise<Purchase | null> {
  const purchaseId = purchaseIdOf(session.metadata);
  if (!purchaseId) return null;
  // Our own metadata: the tenant it names is the purchase's. Checked again on the ledger's answer below.
  if (options.tenantId !== undefined && session.metadata?.tenant_id !== options.tenantId) return null;
  const attached = await store.attachCheckoutSession(
    purchaseId,
    session.id,
    session.expires_at ? new Date(session.expires_at * 1000) : null,
  );
  // session_already_attached: the purchase has its session; this one is another (one we expired).
  if (!attached.ok) return null;
  if (options.tenantId !== undefined && attached.purchase.tenantId !== options.tenantId) return null;
  return attached.purchase;
}

/**
 * Applies news of a session through `apply`; when the ledger does not know the session, attaches it as
 * a lost attach (above) and applies the news again.
 */
export async function applyAttachingLostSession<T>(
  store: CreditStore,
  session: Stripe.Checkout.Session,
  apply: () => Promise<LedgerResult<T>>,
): Promise<LedgerResult<T>> {
  const first = await apply();
  if (first.ok || first.code !== 'unknown_checkout_session') return first;
  return (await attachLostSession(store, session)) ? apply() : first;
}
