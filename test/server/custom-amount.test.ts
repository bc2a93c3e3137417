import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { reconcileCheckoutSessions } from '../../server/purchases/reconcile.ts';
import {
  completedEventOf,
  payInSandbox,
  sandboxControl,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { balanceOf, ledgerInvariants } from '../support/tenants.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

/** Every new tenant starts with this many credits (test/support/tenants.ts). */
const OPENING = 100;

describe('a custom amount of credits', () => {
  let server: TestServer;
  before(async () => {
    // Deliveries are sent by the tests themselves: each is about one path (webhook, refund, reconcile).
    server = await startTestServer({
      deliverWebhooks: false,
      env: {
        CREDIT_TOPUP_CUSTOM_AMOUNT: 'true',
        CREDIT_TOPUP_CUSTOM_AMOUNT_MIN: '20',
        CREDIT_TOPUP_CUSTOM_AMOUNT_MAX: '4000',
        CREDIT_TOPUP_CUSTOM_AMOUNT_STEP: '10',
      },
    });
  });
  after(() => server.close());

  const post = (...args: Parameters<TestServer['checkout']>) => server.checkout(...args);

  async function startCustom(customer: { token: string }, credits: number, headers = {}) {
    const response = await post(customer, { credits, ...WAIVER_GIVEN }, headers);
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { id: string; client_secret: string };
  }

  async function purchaseOf(sessionId: string) {
    const [row] = await server.database.sql`
      select package_id, credits, amount_cents, status, credited_credits, clawed_back_credits
        from public.credit_purchases where stripe_checkout_session_id = ${sessionId}`;
    return { ...row };
  }

  function eventOf(sessionId: string, type: string): Stripe.Event {
    const session = server.sandbox.account.checkoutSessions.sessions.get(sessionId);
    const event = server.sandbox.account.events.findLast(
      (candidate) =>
        candidate.type === type &&
        (candidate.data.object as { payment_intent?: unknown }).payment_intent === session?.payment_intent,
    );
    if (!event) throw new Error(`no ${type} for ${sessionId}`);
    return event;
  }

  test('GET /v1/packages tells the bounds and the price per credit', async () => {
    const body = (await (await server.api('/v1/packages')).json()) as { custom_amount: unknown };
    assert.deepEqual(body.custom_amount, {
      min_credits: 20,
      max_credits: 4000,
      step_credits: 10,
      cents_per_credit: 25,
    });
  });

  test('200 credits are priced by the server at 50,00 € and recorded as a custom purchase', async () => {
    const customer = await server.newCustomer();
    const session = await startCustom(customer, 200);
    assert.deepEqual(await purchaseOf(session.id), {
      package_id: 'custom',
      credits: 200,
      amount_cents: 5000,
      status: 'pending',
      credited_credits: 0,
      clawed_back_credits: 0,
    });
    const form = server.sessionFormSentFor(customer.tenantId);
    assert.deepEqual(form.line_items, [
      {
        quantity: '1',
        price_data: {
          currency: 'eur',
          unit_amount: '5000',
          tax_behavior: 'inclusive',
          product_data: { name: '200 Credits', metadata: { package_id: 'custom' } },
        },
      },
    ]);
    assert.equal(form.metadata.credits, '200');
    assert.equal(form.metadata.package_id, 'custom');
    assert.match(form.invoice_creation.invoice_data.description, /200 Credits \(individueller Betrag\)/);
  });

  test('anything outside the bounds, off the step or not a whole number → 400 invalid_amount', async () => {
    const customer = await server.newCustomer();
    for (const credits of [
      10,
      19,
      4010,
      5000,
      205,
      200.5,
      '200',
      1e300,
      -20,
      0,
      null,
      true,
      [200],
      2 ** 53,
    ]) {
      const response = await post(customer, { credits, ...WAIVER_GIVEN });
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(response.status, 400, `credits ${JSON.stringify(credits)}`);
      assert.equal(body.error.code, 'invalid_amount', `credits ${JSON.stringify(credits)}`);
      assert.match(body.error.message, /from 20 to 4000 in steps of 10/);
    }
    const both = await post(customer, { package_id: 'standard', credits: 200, ...WAIVER_GIVEN });
    assert.equal(both.status, 400);
    assert.equal(((await both.json()) as { error: { code: string } }).error.code, 'invalid_request');
    const { count } = (
      await server.database.sql`
        select count(*)::int as count from public.credit_purchases where user_id = ${customer.userId}`
    )[0]!;
    assert.equal(count, 0, 'nothing recorded for refused amounts');
  });

  test('the bounds themselves are accepted', async () => {
    const customer = await server.newCustomer();
    assert.equal((await purchaseOf((await startCustom(customer, 20)).id)).amount_cents, 500);
    assert.equal((await purchaseOf((await startCustom(customer, 4000)).id)).amount_cents, 100000);
  });

  test('the same Idempotency-Key: the same amount gets the same session, another amount 409', async () => {
    const customer = await server.newCustomer();
    const key = { 'Idempotency-Key': `custom-${randomUUID()}` };
    const first = await startCustom(customer, 200, key);
    const again = await startCustom(customer, 200, key);
    assert.equal(again.id, first.id);
    const other = await post(customer, { credits: 210, ...WAIVER_GIVEN }, key);
    assert.equal(other.status, 409);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'idempotency_key_reused');
    const asPackage = await post(customer, { package_id: 'starter', ...WAIVER_GIVEN }, key);
    assert.equal(asPackage.status, 409);
  });

  test('the webhook credits it exactly once; refunds claw back half, then the rest', async () => {
    const customer = await server.newCustomer();
    const session = await startCustom(customer, 200);
    await payInSandbox(server, session.id);
    const completed = completedEventOf(server, session.id);
    assert.equal((await server.deliver(completed)).status, 200);
    assert.equal((await server.deliver(completed)).status, 200);
    assert.equal(await balanceOf(server.database.sql, customer.tenantId), OPENING + 200);
    assert.equal((await purchaseOf(session.id)).status, 'credited');

    await sandboxControl(server, `checkout-sessions/${session.id}/refund`, { amount: 2500 });
    assert.equal((await server.deliver(eventOf(session.id, 'charge.refunded'))).status, 200);
    assert.equal(await balanceOf(server.database.sql, customer.tenantId), OPENING + 100);
    assert.equal((await purchaseOf(session.id)).status, 'partially_refunded');
    await sandboxControl(server, `checkout-sessions/${session.id}/refund`);
    assert.equal((await server.deliver(eventOf(session.id, 'charge.refunded'))).status, 200);
    assert.equal(await balanceOf(server.database.sql, customer.tenantId), OPENING);
    assert.deepEqual(
      { ...(await purchaseOf(session.id)) },
      {
        package_id: 'custom',
        credits: 200,
        amount_cents: 5000,
        status: 'refunded',
        credited_credits: 200,
        clawed_back_credits: 200,
      },
    );
    const invariants = await ledgerInvariants(server.database.sql, customer.tenantId);
    assert.equal(invariants.balance, invariants.openingPlusLedger);
  });

  test('without the webhook, reconciliation credits it', async () => {
    const customer = await server.newCustomer();
    const session = await startCustom(customer, 370);
    await payInSandbox(server, session.id);
    const rows = await reconcileCheckoutSessions(
      { stripe: server.stripe, store: server.store },
      { sinceSeconds: 3600, dryRun: false },
    );
    assert.deepEqual(
      rows.filter((row) => row.session === session.id),
      [{ session: session.id, tenant: customer.tenantId, credits: 370, action: 'credited' }],
    );
    assert.equal(await balanceOf(server.database.sql, customer.tenantId), OPENING + 370);
  });
});
