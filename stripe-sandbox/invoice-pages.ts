// The documents the sandbox serves at the addresses its objects name, like Stripe's: the hosted invoice
// page (`hosted_invoice_url`) with a link to the PDF (`invoice_pdf`), the PDF itself, and the receipt of
// a charge (`receipt_url`).

import type Stripe from 'stripe';
import { type DocumentLocale, dateIn, documentTexts, invoiceDocument, moneyIn } from './invoice-document.ts';
import { type PdfLine, pdfDocument } from './pdf-document.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; padding: 32px 16px; max-width: 720px; background: Canvas; color: CanvasText; }
  h1 { font-size: 1.5rem; margin: 0 0 16px; }
  .columns { display: flex; gap: 32px; flex-wrap: wrap; margin: 0 0 24px; }
  .columns > div { flex: 1; min-width: 220px; }
  h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; opacity: .7; margin: 0 0 6px; }
  p { margin: 0 0 4px; }
  table { width: 100%; border-collapse: collapse; margin: 16px 0; }
  th, td { text-align: left; padding: 8px 4px; border-bottom: 1px solid #8884; }
  td.amount, th.amount { text-align: right; white-space: nowrap; }
  tr.strong td { font-weight: 700; }
  .note { font-size: .8rem; opacity: .75; margin-top: 24px; }
  footer { margin-top: 24px; font-size: .85rem; white-space: pre-line; }
`;

function page(locale: DocumentLocale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>`;
}

export function hostedInvoiceHtml(invoice: Stripe.Invoice, locale: DocumentLocale): string {
  const t = documentTexts(locale);
  const document = invoiceDocument(invoice, locale);
  const lines = (items: string[]) => items.map((item) => `<p>${escapeHtml(item)}</p>`).join('');
  return page(
    locale,
    document.title,
    `<h1>${escapeHtml(document.title)}</h1>
<div class="columns">
  <div><h2>${escapeHtml(t.seller)}</h2>${lines(document.seller)}</div>
  <div><h2>${escapeHtml(t.recipient)}</h2>${lines(document.recipient)}</div>
  <div>${document.facts.map((fact) => `<p>${escapeHtml(fact.label)}: ${escapeHtml(fact.value)}</p>`).join('')}</div>
</div>
${document.description ? `<p>${escapeHtml(document.description)}</p>` : ''}
<table>
  <tbody>
    ${document.lines
      .map(
        (line) =>
          `<tr><td>${escapeHtml(line.description)}</td><td>${escapeHtml(line.quantity)}</td><td class="amount">${escapeHtml(line.amount)}</td></tr>`,
      )
      .join('\n    ')}
    ${document.totals
      .map(
        (row) =>
          `<tr${row.strong ? ' class="strong"' : ''}><td colspan="2">${escapeHtml(row.label)}</td><td class="amount">${escapeHtml(row.amount)}</td></tr>`,
      )
      .join('\n    ')}
  </tbody>
</table>
${document.paid ? `<p>${escapeHtml(document.paid)}</p>` : ''}
${invoice.invoice_pdf ? `<p><a href="${escapeHtml(invoice.invoice_pdf)}">${escapeHtml(t.downloadPdf)}</a></p>` : ''}
${document.footer.length ? `<footer>${escapeHtml(document.footer.join('\n'))}</footer>` : ''}
<p class="note">${escapeHtml(t.sandbox)}</p>`,
  );
}

export function invoicePdf(invoice: Stripe.Invoice, locale: DocumentLocale): Buffer {
  const t = documentTexts(locale);
  const document = invoiceDocument(invoice, locale);
  const heading = (text: string): PdfLine => ({ text, bold: true, size: 9, gapBefore: 10 });
  const lines: PdfLine[] = [
    { text: document.title, bold: true, size: 18 },
    heading(t.seller),
    ...document.seller.map((text) => ({ text })),
    heading(t.recipient),
    ...document.recipient.map((text) => ({ text })),
    { text: '', gapBefore: 4 },
    ...document.facts.map((fact) => ({ text: `${fact.label}: ${fact.value}` })),
    ...(document.description ? [{ text: document.description, gapBefore: 10 }] : []),
    { text: '', gapBefore: 4 },
    ...document.lines.map((line) => ({ text: `${line.description}   ${line.quantity}   ${line.amount}` })),
    { text: '', gapBefore: 4 },
    ...document.totals.map((row) => ({ text: `${row.label}: ${row.amount}`, bold: row.strong === true })),
    ...(document.paid ? [{ text: document.paid, gapBefore: 10 }] : []),
    ...document.footer.map((text, index) => ({ text, size: 8, gapBefore: index === 0 ? 16 : 0 })),
    { text: t.sandbox, size: 7, gapBefore: 16 },
  ];
  return pdfDocument(document.title, lines);
}

export function receiptHtml(charge: Stripe.Charge, locale: DocumentLocale): string {
  const t = documentTexts(locale);
  const money = moneyIn(locale, charge.currency);
  const date = dateIn(locale);
  const method = charge.payment_method_details?.type === 'sepa_debit' ? t.sepa : t.card;
  const status = charge.status === 'succeeded' ? t.succeeded : t.pending;
  const details = charge.billing_details;
  return page(
    locale,
    t.receipt,
    `<h1>${escapeHtml(t.receipt)}</h1>
<p data-testid="receipt-amount"><strong>${escapeHtml(money(charge.amount))}</strong></p>
<p>${escapeHtml(date(charge.created))}</p>
${details?.name ? `<p>${escapeHtml(details.name)}</p>` : ''}
${details?.email ? `<p>${escapeHtml(details.email)}</p>` : ''}
<p>${escapeHtml(t.method)}: ${escapeHtml(method)}</p>
<p>${escapeHtml(t.status)}: ${escapeHtml(status)}</p>
${charge.amount_refunded ? `<p>${escapeHtml(t.refunded(money(charge.amount_refunded)))}</p>` : ''}
<p>${escapeHtml(t.receiptFor)}: ${escapeHtml(charge.id)}</p>
<p class="note">${escapeHtml(t.sandbox)}</p>`,
  );
}
