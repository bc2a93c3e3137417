// What an invoice says, in the invoice's language (German or English), as sections of lines that the
// hosted invoice page and the PDF both show: the seller, number and dates, the recipient with address
// and VAT number, the description, the lines, net amount, VAT and total, what was paid, and the footer
// (where the merchant puts its own details). Money is formatted from integer cents.

import type Stripe from 'stripe';
import { SANDBOX_TAX_RATE_PERCENT } from './sandbox-tax.ts';

export type DocumentLocale = 'de' | 'en';

const TEXT = {
  de: {
    invoice: 'Rechnung',
    receipt: 'Quittung',
    number: 'Rechnungsnummer',
    date: 'Rechnungsdatum',
    serviceDate: 'Leistungsdatum',
    seller: 'Rechnungssteller',
    recipient: 'Rechnungsempfänger',
    vatId: 'USt-IdNr.',
    quantity: 'Menge',
    net: 'Nettobetrag',
    subtotal: 'Zwischensumme',
    vatAdded: `zzgl. ${SANDBOX_TAX_RATE_PERCENT} % USt.`,
    vatIncluded: `darin enthaltene USt. (${SANDBOX_TAX_RATE_PERCENT} %)`,
    total: 'Gesamtbetrag',
    paid: (amount: string, date: string) => `Bezahlt: ${amount} am ${date}`,
    receiptFor: 'Zahlung',
    method: 'Zahlungsart',
    card: 'Karte',
    sepa: 'SEPA-Lastschrift',
    status: 'Status',
    succeeded: 'Bezahlt',
    pending: 'In Bearbeitung',
    refunded: (amount: string) => `Erstattet: ${amount}`,
    downloadPdf: 'Rechnung als PDF herunterladen',
    sandbox: 'Offline-Testumgebung: Beleg ohne echte Zahlung.',
  },
  en: {
    invoice: 'Invoice',
    receipt: 'Receipt',
    number: 'Invoice number',
    date: 'Date of issue',
    serviceDate: 'Date of supply',
    seller: 'From',
    recipient: 'Bill to',
    vatId: 'VAT number',
    quantity: 'Qty',
    net: 'Net amount',
    subtotal: 'Subtotal',
    vatAdded: `VAT (${SANDBOX_TAX_RATE_PERCENT}%)`,
    vatIncluded: `incl. VAT (${SANDBOX_TAX_RATE_PERCENT}%)`,
    total: 'Total',
    paid: (amount: string, date: string) => `Paid: ${amount} on ${date}`,
    receiptFor: 'Payment',
    method: 'Payment method',
    card: 'Card',
    sepa: 'SEPA Direct Debit',
    status: 'Status',
    succeeded: 'Paid',
    pending: 'Processing',
    refunded: (amount: string) => `Refunded: ${amount}`,
    downloadPdf: 'Download invoice as PDF',
    sandbox: 'Offline sandbox: a document without a real payment.',
  },
} as const;

export const documentTexts = (locale: DocumentLocale) => TEXT[locale];

/** A document's language, as Stripe picks it: the customer's preferred locale, else the checkout's. */
export function documentLocaleOf(...candidates: (string | null | undefined)[]): DocumentLocale {
  const chosen = candidates.find((candidate) => candidate && candidate !== 'auto');
  return chosen?.startsWith('en') ? 'en' : 'de';
}

export function moneyIn(locale: DocumentLocale, currency: string) {
  const format = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    style: 'currency',
    currency: currency.toUpperCase(),
  });
  return (cents: number) => format.format(cents / 100);
}

export function dateIn(locale: DocumentLocale) {
  const format = new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'Europe/Berlin',
  });
  return (seconds: number) => format.format(new Date(seconds * 1000));
}

/** A labelled amount of the totals block. */
export interface AmountRow {
  label: string;
  amount: string;
  strong?: boolean;
}

export interface InvoiceDocument {
  title: string;
  seller: string[];
  facts: { label: string; value: string }[];
  recipient: string[];
  description: string | null;
  lines: { description: string; quantity: string; amount: string }[];
  totals: AmountRow[];
  paid: string | null;
  footer: string[];
}

export function invoiceDocument(invoice: Stripe.Invoice, locale: DocumentLocale): InvoiceDocument {
  const t = TEXT[locale];
  const money = moneyIn(locale, invoice.currency);
  const date = dateIn(locale);
  const address = invoice.customer_address;
  const taxes = invoice.total_taxes ?? [];
  const tax = taxes.reduce((sum, entry) => sum + entry.amount, 0);
  const exclusive = taxes.some((entry) => entry.tax_behavior === 'exclusive');
  const totals: AmountRow[] = [];
  if (taxes.length === 0) totals.push({ label: t.total, amount: money(invoice.total), strong: true });
  else if (exclusive)
    totals.push(
      { label: t.net, amount: money(invoice.total_excluding_tax ?? invoice.subtotal) },
      { label: t.vatAdded, amount: money(tax) },
      { label: t.total, amount: money(invoice.total), strong: true },
    );
  else
    totals.push(
      { label: t.total, amount: money(invoice.total), strong: true },
      { label: t.net, amount: money(invoice.total_excluding_tax ?? invoice.total - tax) },
      { label: t.vatIncluded, amount: money(tax) },
    );
  const issued = invoice.status_transitions.finalized_at ?? invoice.created;
  const paidAt = invoice.status_transitions.paid_at;
  return {
    title: `${t.invoice} ${invoice.number ?? ''}`.trim(),
    seller: [invoice.account_name ?? ''].filter(Boolean),
    facts: [
      { label: t.number, value: invoice.number ?? '' },
      { label: t.date, value: date(issued) },
      { label: t.serviceDate, value: date(issued) },
    ],
    recipient: [
      invoice.customer_name,
      address?.line1,
      address?.line2,
      [address?.postal_code, address?.city].filter(Boolean).join(' '),
      address?.country,
      ...(invoice.customer_tax_ids ?? []).map((taxId) => `${t.vatId} ${taxId.value}`),
      invoice.customer_email,
    ].filter((line): line is string => Boolean(line)),
    description: invoice.description,
    lines: invoice.lines.data.map((line) => ({
      description: line.description ?? '',
      quantity: `${t.quantity} ${line.quantity ?? 1}`,
      amount: money(line.amount),
    })),
    totals,
    paid: invoice.status === 'paid' && paidAt ? t.paid(money(invoice.amount_paid), date(paidAt)) : null,
    footer: (invoice.footer ?? '').split('\n').filter(Boolean),
  };
}
