// The receipt and the invoice of a paid purchase, as Stripe reports them, recorded on the purchase so
// the buyer's page (GET /v1/checkout-sessions/:id) can link them and the books can find them. The
// webhook records them from Stripe's charge and invoice events (documents-from-events.ts) without asking
// Stripe; this reads them from Stripe for the rare paths that find a credited purchase still without
// them: the return path and the reconciliation. The ledger keeps the first links it is given, so
// duplicate and concurrent calls record them exactly once. Stripe is asked only for what is lacking.

import type Stripe from 'stripe';
import type { CreditStore, Purchase } from '../ledger/credit-store.ts';
import { callStripe } from '../stripe/call-stripe.ts';
import { idOf } from '../stripe/expandable-id.ts';
import { paymentIntentIdOf } from './fulfil-checkout-session.ts';

export interface PurchaseDocumentsDeps {
  store: CreditStore;
  stripe: Stripe;
}

/** True while a credited purchase lacks a document its session will have (receipt; invoice if made). */
export function lacksDocuments(purchase: Purchase, session: Stripe.Checkout.Session): boolean {
  if (!(purchase.creditedCredits > 0)) return false;
  return !purchase.receiptUrl || (session.invoice !== null && !purchase.invoiceUrl);
}

/** The purchase with its documents recorded, or as it was when Stripe has none for it yet. */
export async function recordPurchaseDocuments(
  deps: PurchaseDocumentsDeps,
  session: Stripe.Checkout.Session,
  purchase: Purchase,
): Promise<Purchase> {
  if (!lacksDocuments(purchase, session)) return purchase;
  const receiptUrl = purchase.receiptUrl ?? (await receiptUrlOf(deps.stripe, session));
  const invoiceId = idOf(session.invoice);
  const invoice =
    invoiceId && !purchase.invoiceUrl
      ? await callStripe(() => deps.stripe.invoices.retrieve(invoiceId))
      : null;
  // A draft invoice has no hosted page yet: it is recorded once Stripe has finalised it.
  const finalised = invoice?.hosted_invoice_url ? invoice : null;
  if (!receiptUrl && !finalised) return purchase;
  const result = await deps.store.recordPurchaseDocuments({
    checkoutSessionId: session.id,
    receiptUrl,
    stripeInvoiceId: finalised?.id ?? null,
    invoiceNumber: finalised?.number ?? null,
    invoiceUrl: finalised?.hosted_invoice_url ?? null,
    invoicePdfUrl: finalised?.invoice_pdf ?? null,
  });
  return result.ok ? result.purchase : purchase;
}

// The receipt belongs to the payment's charge: the payment intent with its latest charge, in one call.
async function receiptUrlOf(stripe: Stripe, session: Stripe.Checkout.Session): Promise<string | null> {
  const paymentIntentId = paymentIntentIdOf(session);
  if (!paymentIntentId) return null;
  const paymentIntent = await callStripe(() =>
    stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),
  );
  const charge = paymentIntent.latest_charge;
  return charge && typeof charge === 'object' ? (charge.receipt_url ?? null) : null;
}
