// Selling in Germany through the sandbox, as our server calls Stripe: sessions with a customer, the terms
// checkbox, custom texts, tax ID and billing address collection and invoice creation; the tax the sandbox
// computes in place of Stripe Tax (DE 19 %); what the checkout page refuses; and after payment the
// customer details, consent, invoice and receipt, read back through the official SDK.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';
import { until } from '../support/until.ts';

const CARD = '4242424242424242';
const SEPA_SUCCEEDS = 'DE89370400440532013000';
const ADDRESS = { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' };

describe('selling through the sandbox', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  before(async () => {
    sandbox = await startStripeSandbox({ asyncPaymentDelayMs: 50 });
    stripe = sandboxStripeClient(sandbox);
  });
  after(() => sandbox.close());

  const lineItem = (
    unitAmount: number,
    taxBehavior?: 'inclusive' | 'exclusive',
  ): Stripe.Checkout.SessionCreateParams.LineItem => ({
    quantity: 1,
    price_data: {
      currency: 'eur',
      unit_amount: unitAmount,
      product_data: { name: '100 Credits (Standard)' },
      ...(taxBehavior ? { tax_behavior: taxBehavior } : {}),
    },
  });

  const createSession = (params: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/?s={CHECKOUT_SESSION_ID}',
      line_items: [lineItem(2500, 'inclusive')],
      ...params,
    });

  const customerOf = (tenantId: string) =>
    stripe.customers.create({ name: 'Muster Immobilien GmbH', metadata: { tenant_id: tenantId } });

  /** The pay control, which takes what the checkout page sends. */
  const pay = async (sessionId: string, body: Record<string, unknown>) => {
    const response = await fetch(`${sandbox.url}/__sandbox/checkout-sessions/${sessionId}/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ card_number: CARD, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const rejectsWith = async (promise: Promise<unknown>, param: string, status = 400) =>
    assert.rejects(promise, (error: Stripe.errors.StripeError) => {
      assert.equal(error.statusCode, status);
      assert.equal(error.param, param);
      return true;
    });

  describe('tax (DE 19 %, integer cents)', () => {
    test('exclusive prices get 19 % on top', async () => {
      const session = await createSession({
        line_items: [lineItem(2500, 'exclusive')],
        automatic_tax: { enabled: true },
      });
      assert.equal(session.amount_subtotal, 2500);
      assert.equal(session.total_details?.amount_tax, 475);
      assert.equal(session.amount_total, 2975);
      assert.equal(session.automatic_tax.enabled, true);
      assert.equal(session.automatic_tax.status, 'complete');
    });

    test('exclusive tax is rounded to whole cents', async () => {
      const session = await createSession({
        line_items: [lineItem(1250, 'exclusive')],
        automatic_tax: { enabled: true },
      });
      // 1250 × 19 / 100 = 237.5 → 238
      assert.equal(session.total_details?.amount_tax, 238);
      assert.equal(session.amount_total, 1488);
    });

    test('inclusive prices keep their total and report the tax they contain', async () => {
      const session = await createSession({
        line_items: [lineItem(2500, 'inclusive')],
        automatic_tax: { enabled: true },
      });
      // 2500 × 19 / 119 = 399.16 → 399
      assert.equal(session.amount_subtotal, 2500);
      assert.equal(session.total_details?.amount_tax, 399);
      assert.equal(session.amount_total, 2500);
    });

    test('without automatic tax nothing is computed', async () => {
      const session = await createSession({ line_items: [lineItem(2500, 'exclusive')] });
      assert.equal(session.total_details?.amount_tax, 0);
      assert.equal(session.amount_total, 2500);
      assert.equal(session.automatic_tax.enabled, false);
    });

    test('a synced price carries its tax behaviour into the session', async () => {
      const product = await stripe.products.create({ name: '500 Credits (Power)' });
      const price = await stripe.prices.create({
        product: product.id,
        currency: 'eur',
        unit_amount: 12500,
        tax_behavior: 'exclusive',
      });
      assert.equal(price.tax_behavior, 'exclusive');
      await rejectsWith(stripe.prices.update(price.id, { tax_behavior: 'inclusive' }), 'tax_behavior');
      const session = await createSession({
        line_items: [{ price: price.id, quantity: 1 }],
        automatic_tax: { enabled: true },
      });
      assert.equal(session.total_details?.amount_tax, 2375);
      assert.equal(session.amount_total, 14875);
    });
  });

  describe('session parameters', () => {
    test('the new parameters are echoed as Stripe shows them', async () => {
      const customer = await customerOf('tenant-echo');
      const session = await createSession({
        customer: customer.id,
        consent_collection: { terms_of_service: 'required' },
        custom_text: {
          submit: { message: 'Mit Klick auf „Bezahlen“ bestellen Sie zahlungspflichtig.' },
          after_submit: { message: 'Sie haben auf Ihr Widerrufsrecht verzichtet.' },
          terms_of_service_acceptance: { message: 'Ich akzeptiere die [AGB](https://example.test/agb).' },
        },
        invoice_creation: {
          enabled: true,
          invoice_data: {
            description: 'Standard: 100 Credits',
            footer: 'Muster Software GmbH · USt-IdNr. DE999999999',
            metadata: { purchase_id: 'p-1' },
          },
        },
        tax_id_collection: { enabled: true },
        billing_address_collection: 'required',
        customer_update: { name: 'auto', address: 'auto' },
      });
      assert.equal(session.customer, customer.id);
      assert.equal(session.customer_email, null);
      assert.equal(session.consent_collection?.terms_of_service, 'required');
      assert.equal(
        session.custom_text.submit?.message,
        'Mit Klick auf „Bezahlen“ bestellen Sie zahlungspflichtig.',
      );
      assert.equal(session.custom_text.after_submit?.message, 'Sie haben auf Ihr Widerrufsrecht verzichtet.');
      assert.equal(
        session.custom_text.terms_of_service_acceptance?.message,
        'Ich akzeptiere die [AGB](https://example.test/agb).',
      );
      assert.equal(session.invoice_creation?.enabled, true);
      assert.equal(session.invoice_creation?.invoice_data.description, 'Standard: 100 Credits');
      assert.equal(
        session.invoice_creation?.invoice_data.footer,
        'Muster Software GmbH · USt-IdNr. DE999999999',
      );
      assert.deepEqual(session.invoice_creation?.invoice_data.metadata, { purchase_id: 'p-1' });
      assert.deepEqual(session.tax_id_collection, { enabled: true, required: 'never' });
      assert.equal(session.billing_address_collection, 'required');
      assert.equal(session.invoice, null);
      assert.equal(session.consent, null);
      const retrieved = await stripe.checkout.sessions.retrieve(session.id);
      assert.deepEqual(retrieved.custom_text, session.custom_text);
    });

    test('an unknown customer is resource_missing', async () => {
      await rejectsWith(createSession({ customer: 'cus_unknown' }), 'customer', 404);
    });

    test('tax ID collection with an existing customer needs customer_update[name]=auto', async () => {
      const customer = await customerOf('tenant-tax-id-rule');
      await rejectsWith(
        createSession({ customer: customer.id, tax_id_collection: { enabled: true } }),
        'customer_update[name]',
      );
      await rejectsWith(
        createSession({
          customer: customer.id,
          tax_id_collection: { enabled: true },
          customer_update: { name: 'never' },
        }),
        'customer_update[name]',
      );
    });

    test('customer_update without a customer is refused', async () => {
      await rejectsWith(createSession({ customer_update: { name: 'auto' } }), 'customer_update');
    });

    test('a custom text longer than 1200 characters is refused', async () => {
      await createSession({ custom_text: { submit: { message: 'x'.repeat(1200) } } });
      await rejectsWith(
        createSession({ custom_text: { submit: { message: 'x'.repeat(1201) } } }),
        'custom_text[submit][message]',
      );
    });

    test('a terms acceptance text needs the terms checkbox', async () => {
      await rejectsWith(
        createSession({ custom_text: { terms_of_service_acceptance: { message: 'AGB' } } }),
        'custom_text[terms_of_service_acceptance]',
      );
    });
  });

  describe('the checkout form', () => {
    test('required terms refuse payment until accepted', async () => {
      const session = await createSession({ consent_collection: { terms_of_service: 'required' } });
      const refused = await pay(session.id, {});
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'terms_of_service_not_accepted');
      assert.equal(refused.body.field, 'terms_accepted');
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');

      const paid = await pay(session.id, { terms_accepted: true });
      assert.equal(paid.status, 200);
      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.status, 'complete');
      assert.deepEqual(completed.consent, { promotions: null, terms_of_service: 'accepted' });
    });

    test('without the terms checkbox no consent is asked or reported', async () => {
      const session = await createSession();
      assert.equal((await pay(session.id, {})).status, 200);
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).consent, null);
    });

    test('a required billing address refuses payment until complete', async () => {
      const session = await createSession({ billing_address_collection: 'required' });
      const refused = await pay(session.id, { billing_address: { ...ADDRESS, city: '' } });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'billing_address_incomplete');
      assert.equal(refused.body.field, 'billing_address[city]');
      assert.equal((await pay(session.id, { billing_address: ADDRESS })).status, 200);
      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.customer_details?.address?.city, 'Berlin');
    });

    test('a malformed tax ID is refused', async () => {
      const customer = await customerOf('tenant-bad-tax-id');
      const session = await createSession({
        customer: customer.id,
        tax_id_collection: { enabled: true },
        customer_update: { name: 'auto', address: 'auto' },
      });
      const refused = await pay(session.id, { tax_id: '123' });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'tax_id_invalid');
    });
  });

  describe('after payment', () => {
    test('a business purchase: customer details, the customer updated, a numbered paid invoice, a receipt', async () => {
      const customer = await customerOf('tenant-business');
      const params: Partial<Stripe.Checkout.SessionCreateParams> = {
        customer: customer.id,
        line_items: [lineItem(2500, 'exclusive')],
        automatic_tax: { enabled: true },
        invoice_creation: {
          enabled: true,
          invoice_data: {
            description: 'Standard: 100 Credits',
            footer: 'Muster Software GmbH · USt-IdNr. DE999999999',
            metadata: { purchase_id: 'p-business' },
          },
        },
        tax_id_collection: { enabled: true },
        billing_address_collection: 'required',
        customer_update: { name: 'auto', address: 'auto' },
      };
      const session = await createSession(params);
      const paid = await pay(session.id, {
        name: 'Erika Mustermann',
        business_name: 'Beispiel Handels AG',
        email: 'einkauf@beispiel.test',
        billing_address: ADDRESS,
        tax_id: 'DE 123 456 789',
      });
      assert.equal(paid.status, 200);

      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.payment_status, 'paid');
      assert.equal(completed.customer_details?.name, 'Erika Mustermann');
      assert.equal(completed.customer_details?.business_name, 'Beispiel Handels AG');
      assert.equal(completed.customer_details?.email, 'einkauf@beispiel.test');
      assert.deepEqual(completed.customer_details?.address, { ...ADDRESS, line2: null, state: null });
      assert.deepEqual(completed.customer_details?.tax_ids, [{ type: 'eu_vat', value: 'DE123456789' }]);
      assert.equal(completed.total_details?.amount_tax, 475);
      assert.equal(completed.amount_total, 2975);
      assert.match(String(completed.invoice), /^in_/);

      const updated = await stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] });
      assert.ok(!updated.deleted);
      assert.equal(updated.name, 'Beispiel Handels AG');
      assert.equal(updated.address?.postal_code, '10115');
      assert.deepEqual(
        updated.tax_ids?.data.map(({ type, value }) => ({ type, value })),
        [{ type: 'eu_vat', value: 'DE123456789' }],
      );

      const invoice = await stripe.invoices.retrieve(String(completed.invoice));
      assert.equal(invoice.status, 'paid');
      assert.equal(invoice.customer, customer.id);
      assert.match(invoice.number ?? '', /^[A-Z0-9]{8}-0001$/);
      assert.equal(invoice.description, 'Standard: 100 Credits');
      assert.equal(invoice.footer, 'Muster Software GmbH · USt-IdNr. DE999999999');
      assert.deepEqual(invoice.metadata, { purchase_id: 'p-business' });
      assert.equal(invoice.customer_name, 'Beispiel Handels AG');
      assert.equal(invoice.customer_address?.city, 'Berlin');
      assert.deepEqual(invoice.customer_tax_ids, [{ type: 'eu_vat', value: 'DE123456789' }]);
      assert.equal(invoice.currency, 'eur');
      assert.equal(invoice.subtotal, 2500);
      assert.equal(invoice.total_excluding_tax, 2500);
      assert.equal(invoice.total, 2975);
      assert.equal(invoice.amount_paid, 2975);
      assert.equal(invoice.amount_remaining, 0);
      assert.deepEqual(
        invoice.total_taxes?.map(({ amount, tax_behavior }) => ({ amount, tax_behavior })),
        [{ amount: 475, tax_behavior: 'exclusive' }],
      );
      assert.deepEqual(
        invoice.lines.data.map(({ description, quantity, amount }) => ({ description, quantity, amount })),
        [{ description: '100 Credits (Standard)', quantity: 1, amount: 2500 }],
      );
      assert.ok(invoice.hosted_invoice_url?.startsWith(`${sandbox.url}/invoices/`));
      assert.ok(invoice.invoice_pdf?.startsWith(`${sandbox.url}/invoices/`));

      const paymentIntent = await stripe.paymentIntents.retrieve(String(completed.payment_intent));
      const charge = await stripe.charges.retrieve(String(paymentIntent.latest_charge));
      assert.ok(charge.receipt_url?.startsWith(`${sandbox.url}/receipts/`));
      assert.equal(charge.amount, 2975);
      assert.equal(charge.billing_details.name, 'Erika Mustermann');

      // The customer's next invoice continues its numbering.
      const second = await createSession(params);
      assert.equal((await pay(second.id, { billing_address: ADDRESS })).status, 200);
      const secondInvoice = await stripe.invoices.retrieve(
        String((await stripe.checkout.sessions.retrieve(second.id)).invoice),
      );
      assert.equal(secondInvoice.number, invoice.number?.replace(/-0001$/, '-0002'));
    });

    test('without invoice_creation no invoice is made', async () => {
      const session = await createSession();
      await pay(session.id, {});
      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.payment_status, 'paid');
      assert.equal(completed.invoice, null);
    });

    test('a SEPA Direct Debit gets its invoice when it settles', async () => {
      const session = await createSession({ invoice_creation: { enabled: true } });
      const paid = await pay(session.id, { card_number: undefined, iban: SEPA_SUCCEEDS });
      assert.equal(paid.status, 200);
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).invoice, null);
      const settled = await until('the debit to settle', async () => {
        const current = await stripe.checkout.sessions.retrieve(session.id);
        return current.payment_status === 'paid' && current;
      });
      const invoice = await stripe.invoices.retrieve(String(settled.invoice));
      assert.equal(invoice.status, 'paid');
      assert.equal(invoice.customer, null);
      assert.match(invoice.number ?? '', /^SANDBOX0-\d{4}$/);
    });

    test('an unknown invoice is resource_missing', async () => {
      await rejectsWith(stripe.invoices.retrieve('in_unknown'), 'id', 404);
    });
  });
});
