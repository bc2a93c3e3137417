// Automatic top-up through the HTTP interface, against a real PostgreSQL and the offline Stripe sandbox:
// a card saved through a setup-mode Checkout, the settings an owner keeps, the recharge a deduction in
// SQL starts (no call to our server), 3-D Secure completed by the customer, declines retried and then
// switched off, the monthly cap, a crash between "Stripe charged" and "we recorded it", and the sweep.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AutoRechargeResponse } from '../../contract/credit-topup-api.ts';
import { eventually, startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

const SWEEP_SECRET = 'sweep-secret-for-the-tests-0000000000000000';
const CARD_OK = '4242424242424242';
/** Stripe's "always authenticate" card: every off-session payment needs the customer. */
const CARD_AUTHENTICATE = '4000002760003184';
/** Saves fine; every later charge is declined (Stripe's pm_card_chargeCustomerFail). */
const CARD_DECLINED_LATER = '4000000000000341';

type Customer = Awaited<ReturnType<TestServer['newCustomer']>>;

describe('automatic top-up', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: {
        AUTO_RECHARGE_RETRY_BASE_S: '0',
        AUTO_RECHARGE_LEASE_S: '1',
        AUTO_RECHARGE_SWEEP_INTERVAL_MS: '200',
        AUTO_RECHARGE_SWEEP_SECRET: SWEEP_SECRET,
      },
    });
  });
  after(() => server.close());

  const sql = () => server.database.sql;
  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const text = await response.text();
    assert.equal(response.status, status, text);
    return JSON.parse(text) as T;
  };
  const errorCode = async (response: Response) =>
    [response.status, ((await response.json()) as { error: { code: string } }).error.code] as const;

  const owner = async (): Promise<Customer> => {
    const customer = await server.newCustomer();
    await sql()`update public.memberships set role = 'owner' where user_id = ${customer.userId}`;
    return customer;
  };
  const settingsOf = async (customer: Customer) =>
    json<AutoRechargeResponse>(await server.api('/v1/auto-recharge', { token: customer.token }));
  const save = (customer: Customer, body: Record<string, unknown>) =>
    server.api('/v1/auto-recharge', { method: 'PUT', token: customer.token, body: JSON.stringify(body) });
  const standardAt = (threshold: number, capCents = 10_000) => ({
    enabled: true,
    threshold_credits: threshold,
    package_id: 'standard',
    monthly_cap_cents: capCents,
  });

  /** Saves a card for the customer's tenant through a setup-mode Checkout, as the element does. */
  const saveCard = async (customer: Customer, cardNumber = CARD_OK) => {
    const session = await json<{ id: string; client_secret: string }>(
      await server.api('/v1/auto-recharge/setup-session', {
        method: 'POST',
        token: customer.token,
        body: JSON.stringify({ locale: 'de' }),
      }),
      201,
    );
    const paid = await fetch(`${server.sandbox.url}/__sandbox/checkout-sessions/${session.id}/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ card_number: cardNumber }),
    });
    assert.equal(paid.status, 200, await paid.clone().text());
    const { setup_intent: setupIntent, setup_intent_status: setupStatus } = (await paid.json()) as Record<
      string,
      string
    >;
    if (setupStatus === 'requires_action') {
      // Saving this card asks for 3-D Secure once, as at Stripe: the customer passes it.
      const authenticated = await fetch(
        `${server.sandbox.url}/__sandbox/setup_intents/${setupIntent}/authenticate`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ outcome: 'complete' }),
        },
      );
      assert.equal(authenticated.status, 200, await authenticated.clone().text());
    }
    const saved = await json<AutoRechargeResponse>(
      await server.api('/v1/auto-recharge/payment-method', {
        method: 'POST',
        token: customer.token,
        body: JSON.stringify({ setup_session_id: session.id }),
      }),
    );
    return { session, saved };
  };
  const deduct = async (customer: Customer, credits: number) => {
    const [row] = await sql()<{ result: { success: boolean } }[]>`
      select public.rpc_credit_deduct(${customer.tenantId}, ${credits}, 'test_action', null, null, ${customer.userId}) as result`;
    assert.equal(row!.result.success, true, JSON.stringify(row!.result));
  };
  const balance = async (customer: Customer) => {
    const [row] = await sql()<{ balance_credits: number }[]>`
      select balance_credits from public.tenant_credit_balance where tenant_id = ${customer.tenantId}`;
    return row?.balance_credits ?? 100;
  };
  const paymentIntentsSentFor = (customer: Customer) =>
    server.sandbox.apiRequests.filter(
      (request) =>
        request.method === 'POST' &&
        request.path === '/v1/payment_intents' &&
        (request.form.metadata as Record<string, string> | undefined)?.tenant_id === customer.tenantId,
    );

  test('a member may look but not change; an owner must save a card before turning it on', async () => {
    const customer = await server.newCustomer();
    const view = await settingsOf(customer);
    assert.equal(view.state, 'off');
    assert.equal(view.can_manage, false);
    assert.equal(view.min_threshold_credits, 10);
    assert.deepEqual(await errorCode(await save(customer, standardAt(50))), [403, 'forbidden']);
    await sql()`update public.memberships set role = 'owner' where user_id = ${customer.userId}`;
    assert.equal((await settingsOf(customer)).can_manage, true);
    assert.deepEqual(await errorCode(await save(customer, standardAt(50))), [409, 'payment_method_required']);
    assert.deepEqual(await errorCode(await save(customer, standardAt(9))), [400, 'invalid_threshold']);
    assert.deepEqual(await errorCode(await save(customer, standardAt(50, 2499))), [400, 'invalid_amount']);
    assert.deepEqual(await errorCode(await save(customer, { ...standardAt(50), package_id: 'gold' })), [
      400,
      'unknown_package',
    ]);
    assert.deepEqual(await errorCode(await save(customer, { ...standardAt(50), monthly_cap_cents: 50.5 })), [
      400,
      'invalid_amount',
    ]);
    assert.equal(paymentIntentsSentFor(customer).length, 0);
  });

  test('a card saved through a setup-mode Checkout is shown with brand and last 4; another tenant cannot claim the session', async () => {
    const customer = await owner();
    const { session, saved } = await saveCard(customer);
    assert.deepEqual(saved.payment_method && { ...saved.payment_method, exp_year: 0, exp_month: 0 }, {
      brand: 'visa',
      last4: '4242',
      exp_month: 0,
      exp_year: 0,
    });
    const form = server.sandbox.apiRequests.find(
      (request) =>
        request.path === '/v1/checkout/sessions' &&
        request.form.mode === 'setup' &&
        (request.form.metadata as Record<string, string>).tenant_id === customer.tenantId,
    )!.form;
    assert.equal(form.ui_mode, 'embedded_page');
    assert.match(String(form.customer), /^cus_/);
    assert.match(
      String((form.custom_text as { submit: { message: string } }).submit.message),
      /monatlichen Obergrenze/,
    );
    // The consent is what Checkout shows above its button: the session keeps it.
    const atStripe = await server.stripe.checkout.sessions.retrieve(session.id);
    assert.match(atStripe.custom_text.submit?.message ?? '', /automatische Aufladungen/);
    // A second card later: the tenant's customer is reused, not made again at Stripe.
    const customersMade = () =>
      server.sandbox.apiRequests.filter(
        (request) =>
          request.method === 'POST' &&
          request.path === '/v1/customers' &&
          (request.form.metadata as Record<string, string>)?.tenant_id === customer.tenantId,
      ).length;
    assert.equal(customersMade(), 1);
    await saveCard(customer, CARD_DECLINED_LATER);
    assert.equal(customersMade(), 1);
    assert.equal((await settingsOf(customer)).payment_method?.last4, '0341');
    const stranger = await owner();
    assert.deepEqual(
      await errorCode(
        await server.api('/v1/auto-recharge/payment-method', {
          method: 'POST',
          token: stranger.token,
          body: JSON.stringify({ setup_session_id: session.id }),
        }),
      ),
      [404, 'not_found'],
    );
    assert.equal((await settingsOf(stranger)).payment_method, null);
  });

  test('a deduction in SQL that crosses the threshold recharges once, by itself, and the balance rises', async () => {
    const customer = await owner();
    await saveCard(customer);
    const turnedOn = await json<AutoRechargeResponse>(await save(customer, standardAt(50)));
    assert.equal(turnedOn.state, 'on');
    assert.equal(turnedOn.enabled, true);
    await deduct(customer, 30); // 100 → 70: above the threshold, nothing happens
    await deduct(customer, 30); // 70 → 40: crosses it
    await eventually('the balance to be 140', async () => (await balance(customer)) === 140);
    const sent = paymentIntentsSentFor(customer);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.form.amount, '2500');
    assert.equal(sent[0]!.form.off_session, 'true');
    assert.match(sent[0]!.idempotencyKey ?? '', /^auto-recharge-/);
    const view = await settingsOf(customer);
    assert.equal(view.state, 'on');
    assert.equal(view.last_charge?.status, 'succeeded');
    assert.equal(view.month.used_cents, 2500);
    // The webhook's payment_intent.succeeded arrives too: still one credit.
    await eventually('the payment_intent.succeeded event', () =>
      server.sandbox.account.events.some(
        (event) =>
          event.type === 'payment_intent.succeeded' &&
          (event.data.object as { metadata: Record<string, string> }).metadata.tenant_id ===
            customer.tenantId,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await balance(customer), 140);
  });

  test('twenty deductions crossing at once start exactly one recharge', async () => {
    const customer = await owner();
    await saveCard(customer);
    await json(await save(customer, standardAt(90)));
    await Promise.all(Array.from({ length: 20 }, () => deduct(customer, 2)));
    await eventually('the balance to be 160', async () => (await balance(customer)) === 160);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(paymentIntentsSentFor(customer).length, 1);
    assert.equal(await balance(customer), 160);
  });

  test('a payment that needs 3-D Secure waits for the customer, who completes it; then it is credited once', async () => {
    const customer = await owner();
    await saveCard(customer, CARD_AUTHENTICATE);
    await json(await save(customer, standardAt(50)));
    await deduct(customer, 60);
    await eventually(
      'the state needs_confirmation',
      async () => (await settingsOf(customer)).state === 'needs_confirmation',
    );
    const [, second] = [await deduct(customer, 1), await deduct(customer, 1)];
    void second;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(paymentIntentsSentFor(customer).length, 1, 'not retried');
    const confirmation = await json<{ client_secret: string; payment_method: string; credits: number }>(
      await server.api('/v1/auto-recharge/confirmation', { method: 'POST', token: customer.token }),
    );
    assert.match(confirmation.client_secret, /^pi_.+_secret_/);
    assert.match(confirmation.payment_method, /^pm_/);
    assert.equal(confirmation.credits, 100);
    // The customer confirms in the page (Stripe.js) and passes the challenge.
    const paymentIntentId = confirmation.client_secret.split('_secret_')[0]!;
    const publishable = server.config.stripe.publishableKey;
    const confirmed = await fetch(`${server.sandbox.url}/v1/payment_intents/${paymentIntentId}/confirm`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        key: publishable,
        client_secret: confirmation.client_secret,
        payment_method: confirmation.payment_method,
      }),
    });
    assert.equal(confirmed.status, 200, await confirmed.clone().text());
    const authenticated = await fetch(
      `${server.sandbox.url}/__sandbox/payment_intents/${paymentIntentId}/authenticate`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ outcome: 'complete' }),
      },
    );
    assert.equal(authenticated.status, 200, await authenticated.clone().text());
    await eventually('the balance to be 138', async () => (await balance(customer)) === 138);
    await eventually('the state on', async () => (await settingsOf(customer)).state === 'on');
    assert.deepEqual(
      await errorCode(
        await server.api('/v1/auto-recharge/confirmation', { method: 'POST', token: customer.token }),
      ),
      [409, 'nothing_to_confirm'],
    );
  });

  test('declines are retried, and the third in a row switches automatic top-up off with its reason', async () => {
    const customer = await owner();
    await saveCard(customer, CARD_DECLINED_LATER);
    await json(await save(customer, standardAt(50)));
    await deduct(customer, 60);
    await eventually(
      'the state disabled',
      async () => (await settingsOf(customer)).state === 'disabled',
      15_000,
    );
    const view = await settingsOf(customer);
    assert.equal(view.reason, 'declined_3_times');
    assert.equal(view.enabled, false);
    assert.equal(paymentIntentsSentFor(customer).length, 3);
    assert.equal(await balance(customer), 40);
    // Turned on again by the owner, it starts afresh (the balance is still below the threshold).
    const again = await json<AutoRechargeResponse>(await save(customer, standardAt(50)));
    assert.notEqual(again.state, 'disabled');
  });

  test('the monthly cap holds: a crossing beyond it is not charged and the state says capped', async () => {
    const customer = await owner();
    await saveCard(customer);
    await json(await save(customer, standardAt(50, 2500)));
    await deduct(customer, 60); // 100 → 40: recharge to 140
    await eventually('the balance to be 140', async () => (await balance(customer)) === 140);
    await deduct(customer, 100); // 140 → 40: a second crossing, but the cap is used up
    await eventually('the state capped', async () => (await settingsOf(customer)).state === 'capped');
    assert.equal(paymentIntentsSentFor(customer).length, 1);
    assert.equal((await settingsOf(customer)).month.used_cents, 2500);
    assert.equal(await balance(customer), 40);
  });

  test('an answer lost after Stripe charged, with its webhook lost too, is sent again under the same key once the lease ends: one payment, one credit', async () => {
    const customer = await owner();
    await saveCard(customer);
    await json(await save(customer, standardAt(50)));
    // Only the resend can bring the news now: Stripe's answer is cut off, and no webhook arrives.
    server.sandbox.setWebhookUrl(null);
    server.sandbox.injectFaults({ kind: 'lose_answer', endpoint: 'payment_intents' });
    try {
      await deduct(customer, 60);
      await eventually('the balance to be 140', async () => (await balance(customer)) === 140, 15_000);
    } finally {
      server.sandbox.setWebhookUrl(`${server.url}/v1/stripe/webhook`);
    }
    const sent = paymentIntentsSentFor(customer);
    assert.ok(sent.length >= 2, `sent ${sent.length} times`);
    assert.equal(new Set(sent.map((request) => request.idempotencyKey)).size, 1);
    const payments = [...server.sandbox.account.payments.paymentIntents.values()].filter(
      (paymentIntent) => paymentIntent.metadata.tenant_id === customer.tenantId,
    );
    assert.equal(payments.length, 1);
    assert.equal((await settingsOf(customer)).last_charge?.status, 'succeeded');
  });

  test('a detached card switches automatic top-up off with its reason', async () => {
    const customer = await owner();
    const { saved } = await saveCard(customer);
    assert.ok(saved.payment_method);
    await json(await save(customer, standardAt(20)));
    const [row] = await sql()<{ pm: string }[]>`
      select stripe_payment_method_id as pm from public.credit_topup_auto_recharge_settings
       where tenant_id = ${customer.tenantId}`;
    await server.stripe.paymentMethods.detach(row!.pm);
    await eventually('the state disabled', async () => (await settingsOf(customer)).state === 'disabled');
    assert.equal((await settingsOf(customer)).reason, 'payment_method_detached');
  });

  test('a card that expired since it was saved switches automatic top-up off at its first charge', async () => {
    const customer = await owner();
    await saveCard(customer);
    await json(await save(customer, standardAt(50)));
    const [row] = await sql()<{ pm: string }[]>`
      select stripe_payment_method_id as pm from public.credit_topup_auto_recharge_settings
       where tenant_id = ${customer.tenantId}`;
    const expired = await fetch(`${server.sandbox.url}/__sandbox/payment_methods/${row!.pm}/expire`, {
      method: 'POST',
    });
    assert.equal(expired.status, 200, await expired.clone().text());
    await deduct(customer, 60);
    await eventually('the state disabled', async () => (await settingsOf(customer)).state === 'disabled');
    const view = await settingsOf(customer);
    assert.equal(view.reason, 'card_expired');
    assert.equal(paymentIntentsSentFor(customer).length, 1, 'not tried again');
    assert.equal(await balance(customer), 40);
  });

  test('the sweep answers the service role only', async () => {
    const post = (authorization?: string) =>
      fetch(`${server.url}/v1/auto-recharge/sweep`, {
        method: 'POST',
        headers: authorization ? { Authorization: authorization } : {},
      });
    assert.deepEqual(await errorCode(await post()), [401, 'unauthorized']);
    assert.deepEqual(await errorCode(await post('Bearer wrong')), [401, 'unauthorized']);
    const customer = await server.newCustomer();
    assert.deepEqual(await errorCode(await post(`Bearer ${customer.token}`)), [401, 'unauthorized']);
    const swept = await json<{ claimed: number }>(await post(`Bearer ${SWEEP_SECRET}`));
    assert.equal(typeof swept.claimed, 'number');
  });
});
