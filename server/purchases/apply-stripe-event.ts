// Turns one verified Stripe event into at most one ledger change. Events arrive at least once, in any
// order: every change is keyed on the Checkout Session, the charge's payment intent or the purchase the
// metadata names (never on the event alone), and the ledger decides from recorded state, so duplicates
// and reordering are harmless. Only refunds and disputes may read Stripe, and only in rare cases.

import type Stripe from 'stripe';
import { CREDIT_CURRENCY } from '../../credit-packages.ts';
import { applyAutoRechargeEvent } from '../auto-recharge/auto-recharge-events.ts';
import { DEFAULT_RETRY_BASE_SECONDS } from '../auto-recharge/charge-recharge.ts';
import type {
  CreditStore,
  DocumentsOfPurchaseInput,
  LedgerResult,
  StripeEventRef,
} from '../ledger/credit-store.ts';
import { callStripe } from '../stripe/call-stripe.ts';
import { idOf } from '../stripe/expandable-id.ts';
import { applyAttachingLostSession } from './attach-lost-session.ts';
import { documentsOfInvoice, purchaseIdOf, receiptOfCharge } from './documents-from-events.ts';
import {
  type EventRefusalReason,
  isStripeRefusalOfTheObject,
  ledgerCents,
  UnappliableEventError,
} from './event-refusal.ts';
import { fulfilCheckoutSession, integrationAmountsOf, isSessionPaid } from './fulfil-checkout-session.ts';

export interface EventOutcome {
  /** What happened, for the log: credited, pending, ignored_type, not_ours, refused_amount_mismatch, … */
  outcome: string;
  purchaseId?: string;
  /** Set when the event can never be applied (the ledger refused it); the caller records it. */
  refusal?: string;
}

export interface ApplyStripeEventDeps {
  store: CreditStore;
  stripe: Stripe;
  /** Only events of our own mode count: a test event never credits a live ledger and vice versa. */
  livemode: boolean;
  /** First wait before a declined automatic top-up is tried again (AUTO_RECHARGE_RETRY_BASE_S). */
  autoRechargeRetryBaseSeconds?: number;
}

export async function applyStripeEvent(
  event: Stripe.Event,
  deps: ApplyStripeEventDeps,
): Promise<EventOutcome> {
  if (event.livemode !== deps.livemode) return { outcome: 'ignored_livemode' };
  const ref: StripeEventRef = { eventId: event.id, eventType: event.type };
  const { store } = deps;
  const autoRecharge = await applyAutoRechargeEvent(event, ref, {
    ...deps,
    retryBaseSeconds: deps.autoRechargeRetryBaseSeconds ?? DEFAULT_RETRY_BASE_SECONDS,
  });
  if (autoRecharge) return autoRecharge;

  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      if (!isSessionPaid(session)) return { outcome: 'pending' }; // SEPA & co.: the money is still on its way
      const amounts = integrationAmountsOf(session);
      if (amounts.subtotal !== null) ledgerCents(amounts.subtotal, 'amount_subtotal');
      if (amounts.total !== null) ledgerCents(amounts.total, 'amount_total');
      // Only the crediting: the receipt and invoice links come with Stripe's charge and invoice events.
      const result = await applyAttachingLostSession(store, session, () =>
        fulfilCheckoutSession(store, session, ref),
      );
      return describe(result, (ok) => (ok.credited ? 'credited' : 'already_credited'));
    }
    case 'charge.succeeded':
      return recordDocuments(store, receiptOfCharge(event.data.object));
    case 'invoice.finalized':
    case 'invoice.paid':
      return recordDocuments(store, documentsOfInvoice(event.data.object));
    case 'checkout.session.async_payment_failed': {
      const result = await applyAttachingLostSession(store, event.data.object, () =>
        store.markCheckoutSession({
          checkoutSessionId: event.data.object.id,
          status: 'failed',
          failureCode: 'async_payment_failed',
          event: ref,
        }),
      );
      return describe(result, (ok) => (ok.changed ? 'marked_failed' : 'unchanged'));
    }
    case 'checkout.session.expired': {
      // Never attached from here: an expired session we do not know may be one we expired ourselves (a
      // race's loser), and attached it would take the place of the session the buyer really has, whose
      // attach a crash may have lost. A purchase left without its session is pending and unpayable.
      const result = await store.markCheckoutSession({
        checkoutSessionId: event.data.object.id,
        status: 'expired',
        event: ref,
      });
      return describe(result, (ok) => (ok.changed ? 'marked_expired' : 'unchanged'));
    }
    case 'charge.refunded': {
      const charge = await inOurCurrency(event.data.object, (id) => deps.stripe.charges.retrieve(id));
      const paymentIntentId = idOf(charge.payment_intent);
      ledgerCents(charge.amount, 'charge amount', 1);
      ledgerCents(charge.amount_refunded, 'amount_refunded');
      return applyToCharge(deps, paymentIntentId, charge.metadata, (purchaseId) =>
        store.applyRefund({
          purchaseId,
          paymentIntentId,
          chargeAmountCents: charge.amount,
          amountRefundedCents: charge.amount_refunded,
          event: ref,
        }),
      );
    }
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.closed':
    case 'charge.dispute.funds_withdrawn':
    case 'charge.dispute.funds_reinstated': {
      const dispute = await inOurCurrency(event.data.object, (id) => deps.stripe.disputes.retrieve(id));
      ledgerCents(dispute.amount, 'dispute amount');
      let paymentIntentId = idOf(dispute.payment_intent);
      if (!paymentIntentId) {
        // Older disputes name only the charge; the charge names the payment intent.
        const chargeId = idOf(dispute.charge);
        if (!chargeId) return { outcome: 'not_ours' };
        const charge = await retrieveOrRefuse(() => deps.stripe.charges.retrieve(chargeId), 'unknown_charge');
        paymentIntentId = idOf(charge.payment_intent);
      }
      return applyToCharge(deps, paymentIntentId, dispute.metadata, (purchaseId) =>
        store.applyDispute({
          purchaseId,
          paymentIntentId,
          disputeId: dispute.id,
          disputeAmountCents: dispute.amount,
          disputeStatus: dispute.status,
          event: ref,
        }),
      );
    }
    default:
      return { outcome: 'ignored_type' };
  }
}

/**
 * The charge or dispute with its amounts in our currency, the one the ledger counts in. A webhook endpoint
 * on an API version before 2025-03-31 sees an Adaptive Pricing payment in the buyer's currency; the same
 * object read through our SDK (pinned to a current version) has ours, with the buyer's under
 * `presentment_details`. An object that is in another currency even then is not a payment of ours.
 */
async function inOurCurrency<T extends { id: string; currency: string }>(
  object: T,
  retrieve: (id: string) => Promise<T>,
): Promise<T> {
  if (object.currency === CREDIT_CURRENCY) return object;
  const current = await retrieveOrRefuse(() => retrieve(object.id), 'unknown_charge');
  if (current.currency !== CREDIT_CURRENCY) {
    throw new UnappliableEventError(
      'currency_mismatch',
      `${object.id} is in ${current.currency}, the ledger in ${CREDIT_CURRENCY}`,
    );
  }
  return current;
}

// A refund or dispute can arrive before the payment news that records the payment intent on the purchase
// (any order): then the purchase id is read from the payment intent's metadata, set at session creation.
async function applyToCharge(
  deps: ApplyStripeEventDeps,
  paymentIntentId: string | null,
  metadata: Stripe.Metadata | null | undefined,
  apply: (purchaseId: string | null) => Promise<LedgerResult<{ purchase: { id: string } }>>,
): Promise<EventOutcome> {
  const fromMetadata = purchaseIdOf(metadata);
  const first = await apply(fromMetadata);
  if (first.ok || first.code !== 'unknown_purchase' || fromMetadata || !paymentIntentId) {
    return describe(first, () => 'applied');
  }
  const paymentIntent = await retrieveOrRefuse(
    () => deps.stripe.paymentIntents.retrieve(paymentIntentId),
    'unknown_payment_intent',
  );
  const purchaseId = purchaseIdOf(paymentIntent.metadata);
  if (!purchaseId) return { outcome: 'not_ours' };
  return describe(await apply(purchaseId), () => 'applied');
}

// Links only fill what is still empty, so duplicates, reordering and concurrency record each once; an
// event may come before the session's completion, as the purchase exists from the checkout's creation.
async function recordDocuments(
  store: CreditStore,
  documents: DocumentsOfPurchaseInput | null,
): Promise<EventOutcome> {
  if (!documents) return { outcome: 'no_documents' };
  if (!documents.purchaseId && !documents.paymentIntentId) return { outcome: 'not_ours' };
  const result = await store.recordDocumentsOfPurchase(documents);
  return describe(result, (ok) => (ok.recorded ? 'documents_recorded' : 'documents_unchanged'));
}

function describe<T extends { purchase: { id: string } }>(
  result: LedgerResult<T>,
  outcomeOf: (ok: T) => string,
): EventOutcome {
  if (result.ok) return { outcome: outcomeOf(result), purchaseId: result.purchase.id };
  if (result.code === 'unknown_checkout_session' || result.code === 'unknown_purchase')
    return { outcome: 'not_ours' };
  // Refusals (amount_mismatch, …) are final: the purchase is flagged; Stripe retrying would change nothing.
  return {
    outcome: `refused_${result.code}`,
    refusal: result.code,
    ...(result.purchase ? { purchaseId: result.purchase.id } : {}),
  };
}

/** Reads an object the event names from Stripe; Stripe not knowing it is final for this event. */
async function retrieveOrRefuse<T>(retrieve: () => Promise<T>, reason: EventRefusalReason): Promise<T> {
  try {
    return await callStripe(retrieve);
  } catch (error) {
    if (isStripeRefusalOfTheObject(error)) {
      throw new UnappliableEventError(reason, 'Stripe does not know the object the event names', {
        cause: error,
      });
    }
    throw error;
  }
}
