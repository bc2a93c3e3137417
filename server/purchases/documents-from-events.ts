// The receipt and invoice links as Stripe's own events carry them: `charge.succeeded` has the charge's
// receipt_url, `invoice.finalized` and `invoice.paid` the invoice's number, hosted page and PDF. Stripe
// sends them anyway, so the webhook reads nothing from Stripe to record them. The purchase is named by
// the metadata our session set: Stripe copies the payment intent's (payment_intent_data.metadata) onto
// the charge it creates, and invoice_creation.invoice_data.metadata becomes the invoice's.

import type Stripe from 'stripe';
import type { DocumentsOfPurchaseInput } from '../ledger/credit-store.ts';
import { idOf } from '../stripe/expandable-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The charge's receipt, or null when it has none. */
export function receiptOfCharge(charge: Stripe.Charge): DocumentsOfPurchaseInput | null {
  const receiptUrl = webAddress(charge.receipt_url);
  if (!receiptUrl) return null;
  // Without the metadata (a charge made before it was set), the payment intent recorded at fulfilment.
  return {
    purchaseId: purchaseIdOf(charge.metadata),
    paymentIntentId: idOf(charge.payment_intent),
    receiptUrl,
    stripeInvoiceId: null,
    invoiceNumber: null,
    invoiceUrl: null,
    invoicePdfUrl: null,
  };
}

/** The invoice's links, or null for a draft: it has no hosted page (nor number) until it is finalised. */
export function documentsOfInvoice(invoice: Stripe.Invoice): DocumentsOfPurchaseInput | null {
  const invoiceUrl = webAddress(invoice.hosted_invoice_url);
  if (!invoiceUrl) return null;
  // Invoices name no payment intent: only the metadata can name our purchase.
  return {
    purchaseId: purchaseIdOf(invoice.metadata),
    paymentIntentId: null,
    receiptUrl: null,
    stripeInvoiceId: invoice.id,
    invoiceNumber: invoice.number ?? null,
    invoiceUrl,
    invoicePdfUrl: webAddress(invoice.invoice_pdf),
  };
}

export function purchaseIdOf(metadata: Stripe.Metadata | null | undefined): string | null {
  const value = metadata?.purchase_id;
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

// The ledger keeps only web addresses; anything else is not a link to show the buyer.
function webAddress(value: string | null | undefined): string | null {
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : null;
}
