// The sandbox's pages for saved cards in Chromium, driven by labels and buttons as a buyer would: the
// setup-mode checkout page (quick pick of test cards, a decline, the 3-D Secure challenge failed and then
// completed), and the Stripe.js stand-in's confirmCardPayment on a merchant page of another origin, whose
// challenge is completed or failed in its modal frame. German and English; screenshots in
// test-output/sandbox-saved-cards.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { PaymentIntentResult } from '@stripe/stripe-js';
import { type Browser, chromium, type Page } from 'playwright-core';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { CHROMIUM_ARGS, chromiumExecutable } from '../support/chromium.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

const SCREENSHOTS = 'test-output/sandbox-saved-cards';

describe('the sandbox pages for saved cards', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let browser: Browser;
  /** A merchant's page on an origin of its own (localhost, where the sandbox is 127.0.0.1). */
  let merchant: Server;
  let merchantUrl: string;

  before(async () => {
    sandbox = await startStripeSandbox();
    merchant = createServer((_request, response) => {
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.end(
        `<!doctype html><title>Shop</title><p>Shop</p><script src="${sandbox.url}/stripe-js-stand-in.js"></script>`,
      );
    });
    await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
    merchantUrl = `http://localhost:${(merchant.address() as AddressInfo).port}/`;
    stripe = sandboxStripeClient(sandbox);
    browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
    await new Promise((resolve) => merchant?.close(resolve));
  });

  const customer = () => stripe.customers.create({ name: 'Muster GmbH', metadata: { tenant_id: 't' } });

  const openSetupPage = async (locale: 'de' | 'en') => {
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      ui_mode: 'embedded_page',
      customer: (await customer()).id,
      currency: 'eur',
      return_url: 'https://portal.example.test/?s={CHECKOUT_SESSION_ID}',
      setup_intent_data: { metadata: { purpose: 'auto_recharge_setup' } },
    });
    const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
    await page.goto(
      `${sandbox.url}/embedded-checkout?client_secret=${encodeURIComponent(session.client_secret!)}&locale=${locale}`,
    );
    return { session, page };
  };

  const challengeFrame = (page: Page) =>
    page.frameLocator('dialog iframe, [data-stripe-sandbox="3ds"] iframe');

  test('German setup page: the quick pick, a failed challenge, then a completed one saves the card', async () => {
    const { session, page } = await openSetupPage('de');
    await page.getByRole('heading', { name: 'Karte für künftige Zahlungen speichern' }).waitFor();
    await page
      .getByRole('button', { name: /4000 0027 6000 3184.*Authentifizierung bei jeder Zahlung/ })
      .click();
    assert.equal(await page.getByLabel('Kartennummer').inputValue(), '4000 0027 6000 3184');
    await page.screenshot({ path: `${SCREENSHOTS}/de-setup-form.png`, fullPage: true });

    await page.getByRole('button', { name: 'Karte speichern' }).click();
    const frame = challengeFrame(page);
    await frame.getByRole('heading', { name: 'Karte bestätigen' }).waitFor();
    await frame.getByText('Die Karte wird für künftige Zahlungen gespeichert.').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/de-setup-challenge.png` });
    await frame.getByRole('button', { name: 'Authentifizierung fehlschlagen lassen' }).click();
    await page
      .getByRole('alert')
      .getByText('Die Authentifizierung ist fehlgeschlagen.', { exact: false })
      .waitFor();
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');

    await page.getByRole('button', { name: 'Karte speichern' }).click();
    await challengeFrame(page).getByRole('button', { name: 'Authentifizierung abschließen' }).click();
    await page.getByText('Karte gespeichert').waitFor();
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(completed.status, 'complete');
    const setupIntent = await stripe.setupIntents.retrieve(String(completed.setup_intent), {
      expand: ['payment_method'],
    });
    assert.equal((setupIntent.payment_method as Stripe.PaymentMethod).card?.last4, '3184');
    await page.close();
  });

  test('English setup page: a card that cannot be saved is refused; a typed 4242 is saved with its expiry', async () => {
    const { session, page } = await openSetupPage('en');
    await page.getByLabel('Card number').fill('4000 0000 0000 9995');
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.getByRole('alert').getByText('Your card has insufficient funds.').waitFor();
    assert.equal(await page.getByLabel('Card number').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry date').fill('07/31');
    await page.screenshot({ path: `${SCREENSHOTS}/en-setup-form.png`, fullPage: true });
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.getByText('Card saved').waitFor();
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    const setupIntent = await stripe.setupIntents.retrieve(String(completed.setup_intent), {
      expand: ['payment_method'],
    });
    const card = (setupIntent.payment_method as Stripe.PaymentMethod).card;
    assert.deepEqual([card?.last4, card?.exp_month, card?.exp_year], ['4242', 7, 2031]);
    await page.close();
  });

  /** A payment that needs the cardholder: a card that always authenticates, charged off session. */
  const paymentNeedingAuthentication = async () => {
    const { id } = await customer();
    const method = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: id });
    try {
      await stripe.paymentIntents.create({
        amount: 2500,
        currency: 'eur',
        customer: id,
        payment_method: method.id,
        off_session: true,
        confirm: true,
      });
    } catch (error) {
      const paymentIntent = (error as Stripe.errors.StripeCardError).payment_intent as Stripe.PaymentIntent;
      return { paymentIntent, paymentMethod: method.id };
    }
    throw new Error('the payment should have needed authentication');
  };

  /** The merchant's page, which loads the stand-in as the element's page does. */
  const merchantPage = async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
    await page.goto(merchantUrl);
    await page.waitForFunction(() => 'Stripe' in globalThis);
    return page;
  };

  const confirmInPage = (page: Page, locale: string, clientSecret: string, paymentMethod: string) =>
    page.evaluate(
      ({ key, locale, clientSecret, paymentMethod }) =>
        (
          globalThis as unknown as {
            Stripe: (
              key: string,
              options: { locale: string },
            ) => {
              confirmCardPayment: (secret: string, data: { payment_method: string }) => Promise<unknown>;
            };
          }
        )
          .Stripe(key, { locale })
          .confirmCardPayment(clientSecret, { payment_method: paymentMethod }),
      { key: sandbox.publishableKey, locale, clientSecret, paymentMethod },
    ) as Promise<PaymentIntentResult>;

  test('confirmCardPayment (English): the challenge in a modal frame, completed: { paymentIntent } succeeded', async () => {
    const { paymentIntent, paymentMethod } = await paymentNeedingAuthentication();
    const page = await merchantPage();
    const before = sandbox.account.events.length;
    const result = confirmInPage(page, 'en', String(paymentIntent.client_secret), paymentMethod);
    const frame = challengeFrame(page);
    await frame.getByRole('heading', { name: 'Confirm your payment' }).waitFor();
    assert.match((await frame.getByTestId('what').textContent()) ?? '', /Amount: €25\.00/);
    await page.screenshot({ path: `${SCREENSHOTS}/en-payment-challenge.png` });
    await frame.getByRole('button', { name: 'Complete authentication' }).click();
    const { paymentIntent: confirmed, error } = await result;
    assert.equal(error, undefined);
    assert.equal(confirmed?.id, paymentIntent.id);
    assert.equal(confirmed?.status, 'succeeded');
    assert.equal(await page.locator('[data-stripe-sandbox="3ds"]').count(), 0, 'the modal is gone');
    const types = sandbox.account.events
      .slice(before)
      .filter(
        (event) =>
          (event.data.object as { id: string }).id === paymentIntent.id ||
          (event.data.object as { payment_intent?: string }).payment_intent === paymentIntent.id,
      )
      .map((event) => event.type);
    assert.deepEqual(types, [
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
    await page.close();
  });

  test('confirmCardPayment (German): the challenge failed gives { error } payment_intent_authentication_failure', async () => {
    const { paymentIntent, paymentMethod } = await paymentNeedingAuthentication();
    const page = await merchantPage();
    const result = confirmInPage(page, 'de', String(paymentIntent.client_secret), paymentMethod);
    const frame = challengeFrame(page);
    await frame.getByRole('heading', { name: 'Zahlung bestätigen' }).waitFor();
    assert.match((await frame.getByTestId('what').textContent()) ?? '', /Betrag: 25,00\s€/);
    await page.screenshot({ path: `${SCREENSHOTS}/de-payment-challenge.png` });
    await frame.getByRole('button', { name: 'Authentifizierung fehlschlagen lassen' }).click();
    const { paymentIntent: confirmed, error } = await result;
    assert.equal(confirmed, undefined);
    assert.equal(error?.code, 'payment_intent_authentication_failure');
    assert.equal(error?.type, 'invalid_request_error');
    assert.equal(error?.payment_intent?.status, 'requires_payment_method');
    assert.equal(error?.payment_method?.id, paymentMethod);
    assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
    await page.close();
  });
});
