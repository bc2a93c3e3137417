// The documents behind the links Stripe objects carry, fetched as a buyer's browser would: the hosted
// invoice page, the invoice PDF (a real PDF 1.4: its cross-reference table is read and every offset
// checked against the object it names, its text taken from the content streams) and the receipt.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

const ADDRESS = { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' };
const FOOTER = 'Muster Software GmbH · Musterweg 2 · 20095 Hamburg · USt-IdNr. DE999999999';

/** What a PDF reader relies on, checked; the text shown, decoded from WinAnsi. */
function readPdf(pdf: Buffer): { text: string; pages: number } {
  const source = pdf.toString('latin1');
  assert.ok(source.startsWith('%PDF-1.4\n'), 'starts with the PDF 1.4 header');
  assert.ok(source.endsWith('%%EOF\n'), 'ends with %%EOF');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(source)?.[1]);
  assert.equal(source.slice(startxref, startxref + 5), 'xref\n', 'startxref points at the xref table');
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(source.slice(startxref)) ?? [];
  assert.equal(first, '0');
  const entriesStart = startxref + `xref\n0 ${count}\n`.length;
  for (let index = 0; index < Number(count); index++) {
    const entry = source.slice(entriesStart + index * 20, entriesStart + (index + 1) * 20);
    assert.match(entry, /^\d{10} \d{5} [nf]\r\n$/, `xref entry ${index} is 20 bytes`);
    if (index === 0) continue;
    const offset = Number(entry.slice(0, 10));
    assert.equal(source.slice(offset, offset + `${index} 0 obj`.length), `${index} 0 obj`, `object ${index}`);
  }
  const trailer = source.slice(source.indexOf('trailer', startxref));
  assert.match(trailer, new RegExp(`/Size ${count}\\b`));
  // Every stream is as long as its /Length says.
  for (const match of source.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = match.index + match[0].length;
    assert.equal(source.slice(start + Number(match[1]), start + Number(match[1]) + 10), '\nendstream');
  }
  const pages = Number(/\/Type \/Pages \/Kids \[[^\]]*\] \/Count (\d+)/.exec(source)?.[1]);
  const winAnsi: Record<string, string> = { '\x80': '€', '\x84': '„', '\x93': '“', '\x96': '–' };
  const text = [...source.matchAll(/\(((?:\\.|[^\\)])*)\) Tj/g)]
    .map((match) => match[1]!.replace(/\\(.)/g, '$1').replace(/[\x80-\x9f]/g, (c) => winAnsi[c] ?? '?'))
    .join('\n');
  return { text, pages };
}

describe('sandbox invoice and receipt documents', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let invoice: Stripe.Invoice;
  let charge: Stripe.Charge;

  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox);
    const customer = await stripe.customers.create({
      name: 'Muster',
      metadata: { tenant_id: 'tenant-documents' },
      preferred_locales: ['de'],
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/?s={CHECKOUT_SESSION_ID}',
      customer: customer.id,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: 'eur',
            unit_amount: 2500,
            tax_behavior: 'exclusive',
            product_data: { name: '100 Credits (Standard)' },
          },
        },
      ],
      automatic_tax: { enabled: true },
      invoice_creation: {
        enabled: true,
        invoice_data: { description: 'Credits für die Plattform: Standard, 100 Credits', footer: FOOTER },
      },
      tax_id_collection: { enabled: true },
      billing_address_collection: 'required',
      customer_update: { name: 'auto', address: 'auto' },
    });
    const paid = await fetch(`${sandbox.url}/__sandbox/checkout-sessions/${session.id}/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        card_number: '4242424242424242',
        name: 'Erika Mustermann',
        business_name: 'Beispiel Handels AG (Köln)',
        billing_address: ADDRESS,
        tax_id: 'DE123456789',
      }),
    });
    assert.equal(paid.status, 200);
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    invoice = await stripe.invoices.retrieve(String(completed.invoice));
    const paymentIntent = await stripe.paymentIntents.retrieve(String(completed.payment_intent));
    charge = await stripe.charges.retrieve(String(paymentIntent.latest_charge));
  });
  after(() => sandbox.close());

  test('the hosted invoice page shows the whole invoice and links its PDF', async () => {
    const response = await fetch(invoice.hosted_invoice_url!);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<html lang="de">/);
    for (const expected of [
      `Rechnung ${invoice.number}`,
      'Beispiel Handels AG (Köln)',
      'Hauptstraße 1',
      '10115 Berlin',
      'USt-IdNr. DE123456789',
      'Credits für die Plattform: Standard, 100 Credits',
      '100 Credits (Standard)',
      'Nettobetrag',
      'zzgl. 19 % USt.',
      'Gesamtbetrag',
      FOOTER,
    ])
      assert.ok(html.includes(expected), expected);
    assert.match(html, /25,00\s€/);
    assert.match(html, /4,75\s€/);
    assert.match(html, /29,75\s€/);
    assert.ok(html.includes(`href="${invoice.invoice_pdf}"`));
  });

  test('the invoice PDF is a valid PDF 1.4 with the invoice in it', async () => {
    const response = await fetch(invoice.invoice_pdf!);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    const { text, pages } = readPdf(pdf);
    assert.equal(pages, 1);
    for (const expected of [
      `Rechnung ${invoice.number}`,
      `Rechnungsnummer: ${invoice.number}`,
      'Beispiel Handels AG (Köln)',
      'Hauptstraße 1',
      '10115 Berlin',
      'USt-IdNr. DE123456789',
      'Credits für die Plattform: Standard, 100 Credits',
      'zzgl. 19 % USt.: 4,75 €',
      'Gesamtbetrag: 29,75 €',
      FOOTER,
    ])
      assert.ok(text.includes(expected), `${expected} in\n${text}`);
  });

  test('the receipt page shows the payment', async () => {
    const response = await fetch(charge.receipt_url!);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.ok(html.includes('Quittung'));
    assert.match(html, /29,75\s€/);
    assert.ok(html.includes('Erika Mustermann'));
  });

  test('addresses that name no document are 404', async () => {
    assert.equal((await fetch(`${sandbox.url}/invoices/unknown`)).status, 404);
    assert.equal((await fetch(`${sandbox.url}/invoices/unknown/pdf`)).status, 404);
    assert.equal((await fetch(`${sandbox.url}/receipts/unknown`)).status, 404);
  });
});
