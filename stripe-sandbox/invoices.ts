// Invoices: Checkout with `invoice_creation[enabled]=true` makes one paid invoice per paid session,
// numbered per customer, with the session's lines, description, footer and metadata and the buyer's
// name, address and tax ID. Each has a hosted page and a PDF at unguessable addresses the sandbox serves
// (invoice-pages.ts), as Stripe's `hosted_invoice_url` and `invoice_pdf`.

import type Stripe from 'stripe';
import type { Customers } from './customers.ts';
import { type DocumentLocale, documentLocaleOf } from './invoice-document.ts';
import { noSuch } from './sandbox-api-error.ts';
import type { TaxBehavior } from './sandbox-tax.ts';
import { invoiceObject, stripeId } from './stripe-objects.ts';

/** One line of a session as the invoice shows it. */
export interface InvoiceLineInput {
  description: string;
  quantity: number;
  /** What the line adds to the subtotal (net for exclusive, gross for inclusive). */
  amount: number;
  tax: number;
  taxable: number;
  taxBehavior: TaxBehavior;
}

/** Where the sandbox is reached from outside; known once it listens. */
export interface PublicAddress {
  url: string;
}

/** Invoice numbers of buyers without a customer (Stripe numbers those with the account's prefix). */
const ACCOUNT_INVOICE_PREFIX = 'SANDBOX0';

export class Invoices {
  readonly invoices = new Map<string, Stripe.Invoice>();
  /** The secret part of each invoice's page address. */
  private readonly byToken = new Map<string, string>();
  /** The language each invoice is written in. */
  private readonly locales = new Map<string, DocumentLocale>();
  private accountSequence = 1;

  constructor(
    private readonly customers: Customers,
    private readonly address: PublicAddress,
  ) {}

  retrieve(id: string): Stripe.Invoice {
    const invoice = this.invoices.get(id);
    if (!invoice) throw noSuch('invoice', id);
    return invoice;
  }

  /** The invoice whose hosted page or PDF has this token in its address, with its language. */
  byPageToken(token: string): { invoice: Stripe.Invoice; locale: DocumentLocale } | undefined {
    const id = this.byToken.get(token);
    const invoice = id ? this.invoices.get(id) : undefined;
    return invoice && { invoice, locale: this.locales.get(invoice.id) ?? 'de' };
  }

  createForSession(session: Stripe.Checkout.Session, lines: InvoiceLineInput[]): Stripe.Invoice {
    const id = stripeId('in');
    const token = stripeId('test', 40).slice(5);
    const customer = session.customer ? String(session.customer) : null;
    const number = customer
      ? this.customers.nextInvoiceNumber(customer)
      : `${ACCOUNT_INVOICE_PREFIX}-${String(this.accountSequence++).padStart(4, '0')}`;
    const data = session.invoice_creation?.invoice_data;
    const details = session.customer_details;
    const currency = session.currency ?? 'eur';
    const tax = lines.reduce((sum, line) => sum + line.tax, 0);
    const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
    const taxable = lines.reduce((sum, line) => sum + line.taxable, 0);
    const total = session.amount_total ?? subtotal;
    const automaticTax = session.automatic_tax?.enabled === true;
    const invoice = invoiceObject({
      id,
      number,
      currency,
      customer,
      subtotal,
      subtotal_excluding_tax: taxable,
      total,
      total_excluding_tax: taxable,
      amount_paid: total,
      description: data?.description ?? null,
      footer: data?.footer ?? null,
      metadata: data?.metadata ?? {},
      // The invoice is addressed to the business when the buyer bought as one.
      customer_name: details?.business_name ?? details?.name ?? null,
      customer_email: details?.email ?? null,
      customer_address: details?.address ?? null,
      customer_tax_ids: (details?.tax_ids ?? []).map(({ type, value }) => ({ type, value })),
      automatic_tax: {
        disabled_reason: null,
        enabled: automaticTax,
        liability: automaticTax ? { type: 'self' } : null,
        provider: automaticTax ? 'stripe' : null,
        status: automaticTax ? 'complete' : null,
      },
      total_taxes: automaticTax
        ? [
            {
              amount: tax,
              tax_behavior: lines[0]?.taxBehavior ?? 'inclusive',
              tax_rate_details: null,
              taxability_reason: 'standard_rated',
              taxable_amount: taxable,
              type: 'tax_rate_details',
            } as Stripe.Invoice.TotalTax,
          ]
        : [],
      lines: {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
        data: lines.map((line) => this.lineItem(id, currency, line, automaticTax)),
      },
      hosted_invoice_url: `${this.address.url}/invoices/${token}`,
      invoice_pdf: `${this.address.url}/invoices/${token}/pdf`,
    });
    this.invoices.set(id, invoice);
    this.byToken.set(token, id);
    const preferred = customer ? this.customers.retrieve(customer).preferred_locales?.[0] : null;
    this.locales.set(id, documentLocaleOf(preferred, session.locale));
    return invoice;
  }

  private lineItem(
    invoice: string,
    currency: string,
    line: InvoiceLineInput,
    automaticTax: boolean,
  ): Stripe.InvoiceLineItem {
    const now = Math.floor(Date.now() / 1000);
    return {
      id: stripeId('il'),
      object: 'line_item',
      amount: line.amount,
      currency,
      description: line.description,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice,
      livemode: false,
      metadata: {},
      parent: null,
      period: { end: now, start: now },
      pretax_credit_amounts: [],
      pricing: null,
      quantity: line.quantity,
      quantity_decimal: null,
      subscription: null,
      subtotal: line.amount,
      taxes: automaticTax
        ? [
            {
              amount: line.tax,
              tax_behavior: line.taxBehavior,
              tax_rate_details: null,
              taxability_reason: 'standard_rated',
              taxable_amount: line.taxable,
              type: 'tax_rate_details',
            } as Stripe.InvoiceLineItem.Tax,
          ]
        : [],
    };
  }
}
