// What the buyer's page asks after paying (and after coming back from a payment method's own page): is
// the session paid, and are the credits there? A paid session the webhook has not credited yet is
// credited here, through the same exactly-once function as the webhook, as Stripe advises. The ledger is
// read first on every request: what it knows for good (credited, expired, failed) never asks Stripe.

import type Stripe from 'stripe';
import type { CheckoutPaymentStatus, CheckoutSessionState } from '../../contract/credit-topup-api.ts';
import { CreditTopupError } from '../errors.ts';
import type { CreditStore, Purchase } from '../ledger/credit-store.ts';
import type { CheckoutSessionReader } from '../stripe/checkout-session-reader.ts';
import { attachLostSession } from './attach-lost-session.ts';
import { isStripeRefusalOfTheObject } from './event-refusal.ts';
import { fulfilCheckoutSession, isSessionPaid } from './fulfil-checkout-session.ts';
import { lacksDocuments, recordPurchaseDocuments } from './record-purchase-documents.ts';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

export interface CheckoutSessionStatus {
  purchase: Purchase;
  status: CheckoutSessionState;
  paymentStatus: CheckoutPaymentStatus;
  /** The tenant's available credits after any crediting this look-up did. */
  availableCredits: number;
}

export async function checkoutSessionStatus(
  deps: { store: CreditStore; stripe: Stripe; sessionReader: CheckoutSessionReader },
  input: { tenantId: string; sessionId: string },
): Promise<CheckoutSessionStatus> {
  const { store, sessionReader } = deps;
  // Another tenant's session is answered exactly like one that does not exist.
  const wellFormed = SESSION_ID.test(input.sessionId);
  let purchase = wellFormed ? await store.findPurchaseBySession(input.tenantId, input.sessionId) : null;
  if (!purchase && wellFormed) purchase = await purchaseOfLostAttach(deps, input);
  if (!purchase) throw new CreditTopupError('not_found', 'No such checkout session.');

  const settled = settledInLedger(purchase);
  let status = settled?.status ?? 'open';
  let paymentStatus = settled?.paymentStatus ?? 'unpaid';
  if (!settled) {
    const session = await sessionReader.retrieve(input.sessionId);
    status = knownState(session.status);
    paymentStatus = knownPaymentStatus(session.payment_status);
    if (isSessionPaid(session)) {
      // Credited or refused (a mismatch flags it), the purchase as the ledger now has it.
      const result = await fulfilCheckoutSession(store, session);
      if (result.purchase) purchase = result.purchase;
      purchase = await withDocuments(deps, session, purchase);
    }
  } else if (purchase.creditedCredits > 0 && (!purchase.receiptUrl || !purchase.invoiceUrl)) {
    // Credited, but the links are not all there yet (the webhook came first and Stripe had not made
    // the invoice, say): the session (read at most once per interval) says what is still to come.
    const session = await sessionReader.retrieve(input.sessionId).catch(() => null);
    if (session) purchase = await withDocuments(deps, session, purchase);
  }
  const balance = await store.getBalance(input.tenantId);
  return {
    purchase,
    status,
    paymentStatus,
    availableCredits: balance.availableCredits,
  };
}

// A session the ledger does not know may be one whose attach a database crash lost: Stripe's copy names
// its purchase, which is attached now if it is the caller's tenant's (attach-lost-session.ts).
async function purchaseOfLostAttach(
  deps: { store: CreditStore; sessionReader: CheckoutSessionReader },
  input: { tenantId: string; sessionId: string },
): Promise<Purchase | null> {
  const session = await deps.sessionReader.retrieve(input.sessionId).catch((error: unknown) => {
    if (isStripeRefusalOfTheObject(error)) return null; // Stripe does not know it either
    throw error;
  });
  return session ? attachLostSession(deps.store, session, { tenantId: input.tenantId }) : null;
}

// The buyer's answer never fails for a link: without it now, a later look-up records it.
async function withDocuments(
  deps: { store: CreditStore; stripe: Stripe },
  session: Stripe.Checkout.Session,
  purchase: Purchase,
): Promise<Purchase> {
  if (!lacksDocuments(purchase, session)) return purchase;
  return recordPurchaseDocuments(deps, session, purchase).catch(() => purchase);
}

// What the ledger knows for good, so that Stripe need not be asked again: credited once means paid and
// complete (refunds and disputes come later); expired and failed purchases stay so (mark never touches
// a purchase that is not pending, and Stripe never pays an expired or failed session).
function settledInLedger(
  purchase: Purchase,
): { status: CheckoutSessionState; paymentStatus: CheckoutPaymentStatus } | null {
  if (purchase.creditedCredits > 0) return { status: 'complete', paymentStatus: 'paid' };
  if (purchase.status === 'expired') return { status: 'expired', paymentStatus: 'unpaid' };
  if (purchase.status === 'failed') {
    // A mismatch flags a session that was paid; otherwise the (delayed) payment itself failed.
    const paid = purchase.failureCode === 'amount_mismatch' || purchase.failureCode === 'currency_mismatch';
    return { status: 'complete', paymentStatus: paid ? 'paid' : 'unpaid' };
  }
  return null;
}

// Stripe's types leave room for values added later. One we do not know is read the cautious way: not
// paid, and not finished either way, so the buyer's page keeps watching instead of giving up.
function knownState(status: string | null): CheckoutSessionState {
  if (status === null) return 'open';
  return status === 'open' || status === 'expired' ? status : 'complete';
}

function knownPaymentStatus(status: string): CheckoutPaymentStatus {
  return status === 'paid' || status === 'no_payment_required' ? status : 'unpaid';
}
