// The sandbox's checkout page in Chromium, driven by labels and keys as a buyer would: what a session for
// selling in Germany asks (billing address, business tax ID, the terms checkbox with its own text), the
// texts next to the pay button and after payment, in German and English; paying without the required
// terms is refused on the page as on Stripe's. The page is opened on its own (not in the element's frame).

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { CHROMIUM_ARGS, chromiumExecutable } from '../support/chromium.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

const SCREENSHOTS = 'test-output/sandbox-checkout';

describe('the sandbox checkout page, selling in Germany', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let browser: Browser;
  let page: Page;

  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox);
    browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  const businessSession = async (locale: 'de' | 'en', customText = true) => {
    const customer = await stripe.customers.create({ name: 'Muster', metadata: { tenant_id: 't' } });
    return stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/?s={CHECKOUT_SESSION_ID}',
      locale,
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
      consent_collection: { terms_of_service: 'required' },
      ...(customText
        ? {
            custom_text: {
              terms_of_service_acceptance: {
                message:
                  'Ich akzeptiere die [AGB](https://shop.example.test/agb) und <b>nichts</b> [sonst](javascript:alert(1)).',
              },
              submit: { message: 'Mit „Bezahlen“ bestellen Sie zahlungspflichtig.' },
              after_submit: { message: 'Sie haben auf Ihr Widerrufsrecht verzichtet.' },
            },
          }
        : {}),
      tax_id_collection: { enabled: true },
      billing_address_collection: 'required',
      customer_update: { name: 'auto', address: 'auto' },
      invoice_creation: { enabled: true },
    });
  };

  const open = async (session: Stripe.Checkout.Session, locale: string) => {
    page = await browser.newPage({ viewport: { width: 480, height: 1100 } });
    await page.goto(
      `${sandbox.url}/embedded-checkout?client_secret=${encodeURIComponent(session.client_secret!)}&locale=${locale}`,
    );
  };

  test('German: address, tax ID, terms with its links, the texts; unaccepted terms refuse payment', async () => {
    const session = await businessSession('de');
    await open(session, 'de');

    // The amount includes the 19 % added to the exclusive price.
    assert.match((await page.getByTestId('amount').textContent()) ?? '', /29,75\s€/);
    assert.match(
      (await page.getByTestId('tax').textContent()) ?? '',
      /^25,00\s€ zzgl\. 19 % MwSt\. 4,75\s€$/,
    );
    const termsLabel = page.locator('label[for=terms]');
    const termsLink = termsLabel.getByRole('link', { name: 'AGB' });
    assert.equal(await termsLink.getAttribute('href'), 'https://shop.example.test/agb');
    assert.equal(await termsLabel.getByRole('link').count(), 1, 'only http(s) links become links');
    assert.match((await termsLabel.textContent()) ?? '', /<b>nichts<\/b> \[sonst\]\(javascript:alert\(1\)\)/);
    await page.getByText('Mit „Bezahlen“ bestellen Sie zahlungspflichtig.').waitFor();
    assert.equal(await page.getByText('Sie haben auf Ihr Widerrufsrecht verzichtet.').isVisible(), false);

    await page.getByLabel('Kartennummer').fill('4242 4242 4242 4242');
    await page.getByLabel('Name', { exact: true }).fill('Erika Mustermann');
    await page.getByLabel('Straße und Hausnummer').fill('Hauptstraße 1');
    await page.getByLabel('Postleitzahl').fill('10115');
    await page.getByLabel('Ort').fill('Berlin');
    assert.equal(await page.getByLabel('Land').inputValue(), 'DE');
    assert.equal(await page.getByLabel('USt-IdNr. (optional)').isVisible(), false);
    await page.getByLabel('Kauf als Unternehmen').check();
    await page.getByLabel('Name des Unternehmens (optional)').fill('Beispiel Handels AG');
    await page.getByLabel('USt-IdNr. (optional)').fill('DE123456789');
    await page.screenshot({ path: `${SCREENSHOTS}/de-business-form.png`, fullPage: true });

    await page.getByRole('button', { name: /Bezahlen/ }).click();
    await page
      .getByRole('alert')
      .getByText('Bitte stimmen Sie den Allgemeinen Geschäftsbedingungen zu.')
      .waitFor();
    assert.equal(
      await page.getByRole('checkbox', { name: /Ich akzeptiere die AGB/ }).getAttribute('aria-invalid'),
      'true',
    );
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');

    // By keyboard: the refused checkbox has the focus; space ticks it.
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: /Bezahlen/ }).click();
    await page.getByText('Zahlung erfolgreich').waitFor();
    await page.getByText('Sie haben auf Ihr Widerrufsrecht verzichtet.').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/de-paid.png`, fullPage: true });

    const completed = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(completed.status, 'complete');
    assert.deepEqual(completed.consent, { promotions: null, terms_of_service: 'accepted' });
    assert.equal(completed.customer_details?.name, 'Erika Mustermann');
    assert.equal(completed.customer_details?.business_name, 'Beispiel Handels AG');
    assert.deepEqual(completed.customer_details?.address, {
      line1: 'Hauptstraße 1',
      line2: null,
      postal_code: '10115',
      city: 'Berlin',
      country: 'DE',
      state: null,
    });
    assert.deepEqual(completed.customer_details?.tax_ids, [{ type: 'eu_vat', value: 'DE123456789' }]);
    assert.equal(completed.amount_total, 2975);
    await page.close();
  });

  test('English labels, the default terms text, and an incomplete address refused', async () => {
    const session = await businessSession('en', false);
    await open(session, 'en');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Name', { exact: true }).fill('Jane Doe');
    await page.getByLabel('Street and number').fill('1 Main Street');
    await page.getByLabel('City').fill('Vienna');
    await page.getByLabel('Country').selectOption('AT');
    await page.getByLabel('I agree to the Terms of Service.').check();
    await page.getByRole('button', { name: /Pay/ }).click();
    await page.getByRole('alert').getByText('Please enter the complete billing address.').waitFor();
    assert.equal(await page.getByLabel('Postal code').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Postal code').fill('1010');
    await page.getByRole('button', { name: /Pay/ }).click();
    await page.getByText('Payment successful').waitFor();
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(completed.customer_details?.address?.country, 'AT');
    assert.deepEqual(completed.customer_details?.tax_ids, []);
    await page.close();
  });

  test('a session that asks for none of it shows none of it', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/?s={CHECKOUT_SESSION_ID}',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Starter' } },
        },
      ],
    });
    await open(session, 'de');
    await page.getByLabel('Kartennummer').waitFor();
    for (const label of [
      'Straße und Hausnummer',
      'Kauf als Unternehmen',
      'Ich stimme den Allgemeinen Geschäftsbedingungen zu.',
    ])
      assert.equal(await page.getByLabel(label).count(), 0, label);
    await page.getByLabel('Kartennummer').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /Bezahlen/ }).click();
    await page.getByText('Zahlung erfolgreich').waitFor();
    await page.close();
  });
});
