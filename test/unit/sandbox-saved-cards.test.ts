// Saved cards and off-session payments in the sandbox (automatic top-up), through the official SDK as our
// server calls Stripe: a card saved by a setup-mode Checkout Session or attached from a test token, then
// charged off session with the outcomes of Stripe's test cards (succeeded; authentication_required;
// declined with a failed charge; expired), a payment completed on session through the 3-D Secure
// challenge, Idempotency-Key replays of declines, a lost answer, listing and search, detaching.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

describe('sandbox saved cards and off-session payments', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox);
  });
  after(() => sandbox.close());

  const newCustomer = () => stripe.customers.create({ name: 'Muster GmbH', metadata: { tenant_id: 't' } });

  const control = async (path: string, body: Record<string, unknown> = {}) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const setupSession = (customer: string) =>
    stripe.checkout.sessions.create({
      mode: 'setup',
      ui_mode: 'embedded_page',
      customer,
      currency: 'eur',
      allowed_payment_method_types: ['card'],
      return_url: 'https://portal.example.test/auto?s={CHECKOUT_SESSION_ID}',
      metadata: { tenant_id: 't', purpose: 'auto_recharge_setup' },
      setup_intent_data: { metadata: { tenant_id: 't', purpose: 'auto_recharge_setup' } },
    });

  /** A card saved through a setup session, the way the element's customer saves one. */
  const saveCard = async (customer: string, cardNumber: string) => {
    const session = await setupSession(customer);
    const saved = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
      card_number: cardNumber,
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    if (saved.body.setup_intent_status === 'requires_action') {
      const done = await control(`/__sandbox/setup_intents/${String(saved.body.setup_intent)}/authenticate`, {
        outcome: 'complete',
      });
      assert.equal(done.body.status, 'succeeded');
    }
    const setupIntent = await stripe.setupIntents.retrieve(String(saved.body.setup_intent));
    return String(setupIntent.payment_method);
  };

  const eventsAfter = (count: number) => sandbox.account.events.slice(count);
  const eventTypesOf = (events: Stripe.Event[], objectId: string) =>
    events
      .filter((event) => {
        const object = event.data.object as { id: string; payment_intent?: string };
        return object.id === objectId || object.payment_intent === objectId;
      })
      .map((event) => event.type);

  const chargeOffSession = (customer: string, paymentMethod: string, idempotencyKey?: string) =>
    stripe.paymentIntents.create(
      {
        amount: 2500,
        currency: 'eur',
        customer,
        payment_method: paymentMethod,
        off_session: true,
        confirm: true,
        allowed_payment_method_types: ['card'],
        metadata: { purchase_id: 'p-1', tenant_id: 't', auto_recharge_id: 'r-1', attempt: '1' },
        description: 'Automatische Aufladung: 100 Credits',
      },
      idempotencyKey ? { idempotencyKey } : {},
    );

  const rejectsAsCardError = (
    promise: Promise<unknown>,
    check: (error: Stripe.errors.StripeCardError) => void,
  ) =>
    assert.rejects(promise, (error: Stripe.errors.StripeError) => {
      assert.equal(error.type, 'StripeCardError');
      assert.equal(error.statusCode, 402);
      assert.equal(error.rawType, 'card_error');
      check(error as Stripe.errors.StripeCardError);
      return true;
    });

  describe('payment methods', () => {
    test('attaching a test token makes a new card PaymentMethod on the customer; listed and retrieved', async () => {
      const customer = await newCustomer();
      const before = sandbox.account.events.length;
      const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const second = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      assert.match(first.id, /^pm_/);
      assert.notEqual(first.id, second.id, 'each attachment of a token is a new PaymentMethod');
      assert.equal(first.object, 'payment_method');
      assert.equal(first.type, 'card');
      assert.equal(first.customer, customer.id);
      assert.equal(first.card?.brand, 'visa');
      assert.equal(first.card?.last4, '4242');
      assert.equal(first.card?.fingerprint, second.card?.fingerprint);
      assert.equal(first.billing_details.email, null, "the fixture's buyer is not carried over");
      const retrieved = await stripe.paymentMethods.retrieve(first.id);
      assert.equal(retrieved.customer, customer.id);
      const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
      assert.deepEqual(
        listed.data.map((method) => method.id),
        [second.id, first.id],
      );
      assert.deepEqual(eventTypesOf(eventsAfter(before), first.id), ['payment_method.attached']);
    });

    test("Stripe's decline cards cannot be attached: the attachment is declined as a payment would be", async () => {
      const customer = await newCustomer();
      await rejectsAsCardError(
        stripe.paymentMethods.attach('pm_card_visa_chargeDeclinedInsufficientFunds', {
          customer: customer.id,
        }),
        (error) => {
          assert.equal(error.code, 'card_declined');
          assert.equal(error.decline_code, 'insufficient_funds');
        },
      );
      await rejectsAsCardError(
        stripe.paymentMethods.attach('pm_card_chargeDeclinedExpiredCard', { customer: customer.id }),
        (error) => assert.equal(error.code, 'expired_card'),
      );
      assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 0);
    });

    test('detaching announces payment_method.detached; a detached card can be neither charged nor detached again', async () => {
      const customer = await newCustomer();
      const method = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const before = sandbox.account.events.length;
      const detached = await stripe.paymentMethods.detach(method.id);
      assert.equal(detached.customer, null);
      const event = eventsAfter(before).find((each) => each.type === 'payment_method.detached');
      assert.ok(event);
      assert.equal((event.data.object as Stripe.PaymentMethod).id, method.id);
      assert.deepEqual(event.data.previous_attributes, { customer: customer.id });
      await assert.rejects(stripe.paymentMethods.detach(method.id), (error: Stripe.errors.StripeError) => {
        assert.equal(error.statusCode, 400);
        return true;
      });
      await assert.rejects(chargeOffSession(customer.id, method.id), (error: Stripe.errors.StripeError) => {
        assert.equal(error.type, 'StripeInvalidRequestError');
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /was detached from a Customer\. It may not be used again/);
        return true;
      });
      assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 0);
    });
  });

  describe('setup-mode Checkout', () => {
    test('a setup session saves the card: SetupIntent succeeded off_session, card attached, events in order', async () => {
      const customer = await newCustomer();
      const session = await setupSession(customer.id);
      assert.equal(session.mode, 'setup');
      assert.equal(session.status, 'open');
      assert.equal(session.payment_status, 'no_payment_required');
      assert.equal(session.setup_intent, null);
      assert.equal(session.amount_total, null);
      assert.match(session.client_secret ?? '', /^cs_test_.+_secret_/);
      const before = sandbox.account.events.length;
      const saved = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
        card_number: '4242 4242 4242 4242',
        exp_month: 12,
        exp_year: 2034,
      });
      assert.equal(saved.body.status, 'complete');
      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.status, 'complete');
      assert.equal(completed.payment_status, 'no_payment_required');
      assert.match(String(completed.setup_intent), /^seti_/);
      assert.deepEqual(completed.metadata, { tenant_id: 't', purpose: 'auto_recharge_setup' });

      const setupIntent = await stripe.setupIntents.retrieve(String(completed.setup_intent), {
        expand: ['payment_method'],
      });
      assert.equal(setupIntent.object, 'setup_intent');
      assert.equal(setupIntent.status, 'succeeded');
      assert.equal(setupIntent.usage, 'off_session');
      assert.equal(setupIntent.customer, customer.id);
      assert.deepEqual(setupIntent.metadata, { tenant_id: 't', purpose: 'auto_recharge_setup' });
      const method = setupIntent.payment_method as Stripe.PaymentMethod;
      assert.equal(method.customer, customer.id);
      assert.deepEqual(
        [method.card?.brand, method.card?.last4, method.card?.exp_month, method.card?.exp_year],
        ['visa', '4242', 12, 2034],
      );
      assert.deepEqual(
        eventsAfter(before).map((event) => event.type),
        [
          'setup_intent.created',
          'setup_intent.succeeded',
          'payment_method.attached',
          'checkout.session.completed',
        ],
      );
    });

    test('a card that needs authentication waits for the challenge; failing it keeps the session open', async () => {
      const customer = await newCustomer();
      const session = await setupSession(customer.id);
      const first = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
        card_number: '4000002760003184',
      });
      assert.equal(first.body.setup_intent_status, 'requires_action');
      assert.equal(first.body.status, 'open');
      assert.match(String(first.body.challenge_url), /\/3ds\/seti_/);
      const failed = await control(
        `/__sandbox/setup_intents/${String(first.body.setup_intent)}/authenticate`,
        {
          outcome: 'fail',
        },
      );
      assert.equal(failed.body.status, 'requires_payment_method');
      const setupIntent = await stripe.setupIntents.retrieve(String(first.body.setup_intent));
      assert.equal(setupIntent.last_setup_error?.code, 'setup_intent_authentication_failure');
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
      assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 0);

      // The buyer tries again in the same session (the same SetupIntent) and completes the challenge.
      const second = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
        card_number: '4000 0025 0000 3155',
      });
      assert.equal(second.body.setup_intent, first.body.setup_intent);
      await control(`/__sandbox/setup_intents/${String(second.body.setup_intent)}/authenticate`, {
        outcome: 'complete',
      });
      const completed = await stripe.checkout.sessions.retrieve(session.id);
      assert.equal(completed.status, 'complete');
      assert.equal(completed.setup_intent, first.body.setup_intent);
      const [saved] = (await stripe.customers.listPaymentMethods(customer.id)).data;
      assert.equal(saved?.card?.last4, '3155');
    });

    test('a decline card cannot be saved: 402 with its decline, the session stays open', async () => {
      const customer = await newCustomer();
      const session = await setupSession(customer.id);
      const refused = await control(`/__sandbox/checkout-sessions/${session.id}/pay`, {
        card_number: '4000000000009995',
      });
      assert.equal(refused.status, 402);
      assert.deepEqual(refused.body, {
        ok: false,
        code: 'card_declined',
        message: 'Your card has insufficient funds.',
        decline_code: 'insufficient_funds',
      });
      assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'open');
    });

    test('setup sessions are checked as Stripe checks them', async () => {
      const customer = await newCustomer();
      await assert.rejects(
        stripe.checkout.sessions.create({
          mode: 'setup',
          ui_mode: 'embedded_page',
          customer: customer.id,
          currency: 'eur',
          line_items: [{ price: 'price_x', quantity: 1 }],
          return_url: 'https://portal.example.test/',
        }),
        (error: Stripe.errors.StripeError) => error.param === 'line_items',
      );
      // API 2026-10-28 names the payment method types `allowed_payment_method_types`.
      await assert.rejects(
        stripe.rawRequest('POST', '/v1/checkout/sessions', {
          mode: 'setup',
          ui_mode: 'embedded_page',
          customer: customer.id,
          currency: 'eur',
          payment_method_types: ['card'],
          return_url: 'https://portal.example.test/',
        }),
        (error: Stripe.errors.StripeError) =>
          error.code === 'parameter_unknown' && error.param === 'payment_method_types',
      );
      await assert.rejects(
        stripe.checkout.sessions.create({
          mode: 'setup',
          ui_mode: 'embedded_page',
          customer: customer.id,
          return_url: 'https://portal.example.test/',
        }),
        (error: Stripe.errors.StripeError) => error.param === 'currency',
      );
      const hosted = await stripe.checkout.sessions.create({
        mode: 'setup',
        customer: customer.id,
        currency: 'eur',
        success_url: 'https://portal.example.test/ok',
      });
      assert.equal(hosted.client_secret, null);
      assert.match(hosted.url ?? '', /\/c\/pay\/cs_test_/);
    });
  });

  describe('off-session payment intents', () => {
    test('4242: succeeded with a charge and its receipt; events created, charge.succeeded, succeeded', async () => {
      const customer = await newCustomer();
      const method = await saveCard(customer.id, '4242424242424242');
      const before = sandbox.account.events.length;
      const paymentIntent = await chargeOffSession(customer.id, method);
      assert.equal(paymentIntent.object, 'payment_intent');
      assert.equal(paymentIntent.status, 'succeeded');
      assert.equal(paymentIntent.amount_received, 2500);
      assert.equal(paymentIntent.customer, customer.id);
      assert.equal(paymentIntent.payment_method, method);
      assert.equal(paymentIntent.description, 'Automatische Aufladung: 100 Credits');
      assert.equal(paymentIntent.metadata.auto_recharge_id, 'r-1');
      const charge = await stripe.charges.retrieve(String(paymentIntent.latest_charge));
      assert.equal(charge.status, 'succeeded');
      assert.equal(charge.paid, true);
      assert.equal(charge.amount, 2500);
      assert.equal(charge.payment_method, method);
      assert.equal(charge.payment_method_details?.card?.last4, '4242');
      assert.equal(charge.metadata.purchase_id, 'p-1');
      assert.equal((await fetch(String(charge.receipt_url))).status, 200);
      assert.deepEqual(eventTypesOf(eventsAfter(before), paymentIntent.id), [
        'payment_intent.created',
        'charge.succeeded',
        'payment_intent.succeeded',
      ]);
    });

    test('always-authenticate card: 402 authentication_required with the payment intent, no charge', async () => {
      const customer = await newCustomer();
      const method = await saveCard(customer.id, '4000002760003184');
      const before = sandbox.account.events.length;
      let failedId = '';
      await rejectsAsCardError(chargeOffSession(customer.id, method), (error) => {
        assert.equal(error.code, 'authentication_required');
        assert.equal(error.decline_code, 'authentication_required');
        assert.equal(error.message, 'Your card was declined. This transaction requires authentication.');
        const paymentIntent = error.payment_intent as Stripe.PaymentIntent;
        assert.deepEqual((error.raw as { payment_intent?: unknown }).payment_intent, paymentIntent);
        assert.equal(paymentIntent.status, 'requires_payment_method');
        assert.equal(paymentIntent.payment_method, null);
        assert.equal(paymentIntent.last_payment_error?.code, 'authentication_required');
        assert.equal(paymentIntent.last_payment_error?.payment_method?.id, method);
        assert.match(paymentIntent.client_secret ?? '', /^pi_.+_secret_/);
        assert.equal(paymentIntent.latest_charge, null);
        assert.equal(error.payment_method?.id, method);
        failedId = paymentIntent.id;
      });
      assert.deepEqual(eventTypesOf(eventsAfter(before), failedId), [
        'payment_intent.created',
        'payment_intent.payment_failed',
      ]);
    });

    test('"authenticate unless set up": set up through Checkout it pays off session; attached from a token it does not', async () => {
      const customer = await newCustomer();
      const setUp = await saveCard(customer.id, '4000002500003155');
      assert.equal((await chargeOffSession(customer.id, setUp)).status, 'succeeded');
      const attached = await stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', {
        customer: customer.id,
      });
      await rejectsAsCardError(chargeOffSession(customer.id, attached.id), (error) =>
        assert.equal(error.code, 'authentication_required'),
      );
    });

    test('decline after attaching: 402 card_declined with a failed charge; charge.failed and payment_failed', async () => {
      const customer = await newCustomer();
      const method = (
        await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id })
      ).id;
      const before = sandbox.account.events.length;
      let failedId = '';
      await rejectsAsCardError(chargeOffSession(customer.id, method), (error) => {
        assert.equal(error.code, 'card_declined');
        assert.equal(error.decline_code, 'generic_decline');
        assert.match(String(error.charge), /^ch_/);
        const paymentIntent = error.payment_intent as Stripe.PaymentIntent;
        assert.equal(paymentIntent.latest_charge, error.charge);
        assert.equal(paymentIntent.last_payment_error?.decline_code, 'generic_decline');
        failedId = paymentIntent.id;
      });
      const failed = await stripe.paymentIntents.retrieve(failedId, { expand: ['latest_charge'] });
      const charge = failed.latest_charge as Stripe.Charge;
      assert.equal(charge.status, 'failed');
      assert.equal(charge.failure_code, 'card_declined');
      assert.equal(charge.outcome?.type, 'issuer_declined');
      assert.deepEqual(eventTypesOf(eventsAfter(before), failedId), [
        'payment_intent.created',
        'charge.failed',
        'payment_intent.payment_failed',
      ]);
    });

    test('insufficient funds after set up (4000 0082 6000 3178) and an expired saved card', async () => {
      const customer = await newCustomer();
      const poor = await saveCard(customer.id, '4000008260003178');
      await rejectsAsCardError(chargeOffSession(customer.id, poor), (error) => {
        assert.equal(error.code, 'card_declined');
        assert.equal(error.decline_code, 'insufficient_funds');
      });
      const visa = await saveCard(customer.id, '4242424242424242');
      const expired = await control(`/__sandbox/payment_methods/${visa}/expire`);
      assert.equal(expired.status, 200);
      await rejectsAsCardError(chargeOffSession(customer.id, visa), (error) => {
        assert.equal(error.code, 'expired_card');
        assert.equal(error.decline_code, '', 'Stripe gives expired_card no decline code');
        assert.equal(error.message, 'Your card has expired.');
      });
    });

    test('a declined request replayed under its Idempotency-Key gets the saved 402, and nothing is charged twice', async () => {
      const customer = await newCustomer();
      const method = await saveCard(customer.id, '4000000000000341');
      const countBefore = sandbox.account.payments.paymentIntents.size;
      const errors: Stripe.errors.StripeCardError[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        await rejectsAsCardError(chargeOffSession(customer.id, method, 'auto-recharge-r-42-1'), (error) => {
          errors.push(error);
        });
      }
      assert.equal(errors[1]?.headers?.['idempotent-replayed'], 'true');
      const [first, second] = errors.map((error) => (error.payment_intent as Stripe.PaymentIntent).id);
      assert.equal(second, first);
      assert.equal(sandbox.account.payments.paymentIntents.size, countBefore + 1);
    });

    test('a lost answer: Stripe did the work; the retry with the same key gets the payment, not a second one', async () => {
      const customer = await newCustomer();
      const method = await saveCard(customer.id, '4242424242424242');
      const countBefore = sandbox.account.payments.paymentIntents.size;
      const injected = await control('/__sandbox/faults', {
        faults: [{ kind: 'lose_answer', endpoint: 'payment_intents' }],
      });
      assert.equal(injected.body.pending, 1);
      await assert.rejects(chargeOffSession(customer.id, method, 'auto-recharge-r-7-1'), (error: Error) => {
        assert.equal((error as Stripe.errors.StripeError).type, 'StripeConnectionError');
        return true;
      });
      assert.equal(sandbox.account.payments.paymentIntents.size, countBefore + 1, 'the payment was made');
      const replayed = await chargeOffSession(customer.id, method, 'auto-recharge-r-7-1');
      assert.equal(replayed.status, 'succeeded');
      // The SDK's fetch client hands over the Headers object itself, whatever its type says.
      const headers = new Headers(replayed.lastResponse.headers as unknown as Record<string, string>);
      assert.equal(headers.get('idempotent-replayed'), 'true');
      assert.equal(sandbox.account.payments.paymentIntents.size, countBefore + 1);
    });

    test("listing a customer's payment intents and searching them by metadata", async () => {
      const customer = await newCustomer();
      const other = await newCustomer();
      const method = await saveCard(customer.id, '4242424242424242');
      const otherMethod = await saveCard(other.id, '4242424242424242');
      const paid = await chargeOffSession(customer.id, method);
      await chargeOffSession(other.id, otherMethod);
      const listed = await stripe.paymentIntents.list({ customer: customer.id });
      assert.deepEqual(
        listed.data.map((paymentIntent) => paymentIntent.id),
        [paid.id],
      );
      const found = await stripe.paymentIntents.search({
        query: `metadata['auto_recharge_id']:'r-1' AND customer:'${customer.id}'`,
      });
      assert.equal(found.object, 'search_result');
      assert.deepEqual(
        found.data.map((paymentIntent) => paymentIntent.id),
        [paid.id],
      );
      const none = await stripe.paymentIntents.search({ query: "metadata['auto_recharge_id']:'nothing'" });
      assert.deepEqual(none.data, []);
      assert.equal(none.has_more, false);
    });
  });

  describe('on session: Stripe.js confirming with the client secret', () => {
    /** What Stripe.js sends: the publishable key and the client secret as form parameters. */
    const stripeJs = async (method: 'GET' | 'POST', path: string, params: Record<string, string>) => {
      const query = new URLSearchParams({ key: sandbox.publishableKey, ...params });
      const response =
        method === 'GET'
          ? await fetch(`${sandbox.url}${path}?${query}`)
          : await fetch(`${sandbox.url}${path}`, { method: 'POST', body: query });
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    const needingAuthentication = async () => {
      const customer = await newCustomer();
      const method = await saveCard(customer.id, '4000002760003184');
      let paymentIntent: Stripe.PaymentIntent | undefined;
      await rejectsAsCardError(chargeOffSession(customer.id, method), (error) => {
        paymentIntent = error.payment_intent as Stripe.PaymentIntent;
      });
      return { paymentIntent: paymentIntent!, method };
    };

    test('confirming asks for the challenge; completing it pays, with payment_intent.succeeded and charge.succeeded', async () => {
      const { paymentIntent, method } = await needingAuthentication();
      const secret = { client_secret: String(paymentIntent.client_secret) };
      const confirmed = await stripeJs('POST', `/v1/payment_intents/${paymentIntent.id}/confirm`, {
        ...secret,
        payment_method: method,
      });
      assert.equal(confirmed.body.status, 'requires_action');
      const nextAction = confirmed.body.next_action as Stripe.PaymentIntent.NextAction;
      assert.equal(nextAction.type, 'use_stripe_sdk');
      const challengeUrl = (nextAction.use_stripe_sdk as { stripe_js: string }).stripe_js;
      assert.equal((await fetch(`${challengeUrl}&locale=de`)).status, 200);

      const before = sandbox.account.events.length;
      const done = await control(`/__sandbox/payment_intents/${paymentIntent.id}/authenticate`, {
        outcome: 'complete',
      });
      assert.equal(done.body.status, 'succeeded');
      const read = await stripeJs('GET', `/v1/payment_intents/${paymentIntent.id}`, secret);
      assert.equal(read.body.status, 'succeeded');
      assert.deepEqual(eventTypesOf(eventsAfter(before), paymentIntent.id), [
        'charge.succeeded',
        'payment_intent.succeeded',
      ]);
    });

    test('failing the challenge: back to requires_payment_method with payment_intent_authentication_failure', async () => {
      const { paymentIntent, method } = await needingAuthentication();
      const secret = { client_secret: String(paymentIntent.client_secret) };
      await stripeJs('POST', `/v1/payment_intents/${paymentIntent.id}/confirm`, {
        ...secret,
        payment_method: method,
      });
      await control(`/__sandbox/payment_intents/${paymentIntent.id}/authenticate`, { outcome: 'fail' });
      const failed = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(failed.status, 'requires_payment_method');
      assert.equal(failed.last_payment_error?.code, 'payment_intent_authentication_failure');
      assert.equal(failed.last_payment_error?.type, 'invalid_request_error');
      assert.equal(failed.last_payment_error?.payment_method?.id, method);
    });

    test('the publishable key opens nothing else, and only with the right client secret', async () => {
      const { paymentIntent } = await needingAuthentication();
      const wrong = await stripeJs('GET', `/v1/payment_intents/${paymentIntent.id}`, {
        client_secret: `${paymentIntent.id}_secret_wrong`,
      });
      assert.equal(wrong.status, 404);
      const elsewhere = await stripeJs('GET', `/v1/customers/${String(paymentIntent.customer)}`, {
        client_secret: String(paymentIntent.client_secret),
      });
      assert.equal(elsewhere.status, 401);
    });
  });
});
