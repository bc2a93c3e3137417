// Stripe's Adaptive Pricing lets a buyer pay in their own currency. The Checkout Session keeps our
// currency and amounts (EUR, the package price) and carries the buyer's under `presentment_details`; so do
// the payment intent, the charge and its refunds. Webhook endpoints on an API version before 2025-03-31
// see the older shape instead: the session in the buyer's currency, ours under `currency_conversion`.
// The server decides on every session whether Adaptive Pricing applies (STRIPE_ADAPTIVE_PRICING, off by
// default), never the account's dashboard default; when it applies, the ledger compares in our currency.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import {
  completedEventOf,
  eventually,
  payInSandbox,
  sandboxControl,
  startCheckout,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { balanceOf } from '../support/tenants.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

const BUYER_CURRENCY = 'usd';

function sandboxSession(server: TestServer, sessionId: string): Stripe.Checkout.Session {
  return server.sandbox.account.checkoutSessions.retrieve(sessionId);
}

async function purchaseOf(server: TestServer, sessionId: string) {
  const [row] = await server.database.sql`
    select status, failure_code, credited_credits, amount_paid_cents, currency
      from public.credit_purchases where stripe_checkout_session_id = ${sessionId}`;
  return { ...row };
}

describe('Adaptive Pricing, switched off by the server by default', () => {
  let server: TestServer;
  before(async () => {
    // The sandbox account has Adaptive Pricing on by default, as a Stripe dashboard may.
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  test('every session says so to Stripe, so a buyer abroad pays the package price in EUR', async () => {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'standard');
    assert.deepEqual(sandboxSession(server, session.id).adaptive_pricing, { enabled: false });
    const paid = await payInSandbox(server, session.id, {
      card_number: '4242 4242 4242 4242',
      currency: BUYER_CURRENCY,
    });
    assert.equal(paid.status, 200);
    const charge = server.sandbox.account.payments.chargeOfSession(sandboxSession(server, session.id));
    assert.deepEqual(
      { amount: charge.amount, currency: charge.currency, presentment: charge.presentment_details ?? null },
      { amount: 2500, currency: 'eur', presentment: null },
    );
  });
});

describe('Adaptive Pricing switched on (STRIPE_ADAPTIVE_PRICING=true)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { STRIPE_ADAPTIVE_PRICING: 'true' } });
  });
  after(() => server.close());

  test('a buyer paying in their own currency is credited once with the package credits; refunds and disputes count in EUR', async () => {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'standard');
    assert.deepEqual(sandboxSession(server, session.id).adaptive_pricing, { enabled: true });
    await payInSandbox(server, session.id, { card_number: '4242 4242 4242 4242', currency: BUYER_CURRENCY });
    const paid = sandboxSession(server, session.id);
    assert.equal(paid.currency, 'eur');
    assert.equal(paid.presentment_details?.presentment_currency, BUYER_CURRENCY);
    assert.notEqual(paid.presentment_details?.presentment_amount, 2500);

    const balance = () => balanceOf(server.database.sql, customer.tenantId);
    await eventually('credited', async () => (await balance()) === 200);
    const status = await server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token });
    assert.equal(((await status.json()) as { credited: boolean }).credited, true);
    const completed = completedEventOf(server, session.id);
    assert.equal((await server.deliver(completed)).status, 200);
    assert.equal(await balance(), 200, 'credited exactly once');
    assert.deepEqual(await purchaseOf(server, session.id), {
      status: 'credited',
      failure_code: null,
      credited_credits: 100,
      amount_paid_cents: 2500,
      currency: 'eur',
    });

    // Refunds are asked for and reported in the charge's currency, ours: 12,50 € is half the package.
    const refund = await sandboxControl(server, `checkout-sessions/${session.id}/refund`, { amount: 1250 });
    assert.equal(refund.currency, 'eur');
    assert.equal(
      (refund.presentment_details as { presentment_currency: string }).presentment_currency,
      'usd',
    );
    await eventually('half clawed back', async () => (await balance()) === 150);
    const dispute = await sandboxControl(server, `checkout-sessions/${session.id}/dispute`, { amount: 1250 });
    await eventually('the rest held by the dispute', async () => (await balance()) === 100);
    await sandboxControl(server, `disputes/${dispute.id}/close`, { status: 'won' });
    await eventually('the won dispute gives its half back', async () => (await balance()) === 150);
  });

  test("refunds and disputes as an endpoint before 2025-03-31 sees them (the buyer's currency) move credits by our amounts", async () => {
    server.sandbox.setWebhookUrl(null);
    try {
      const customer = await server.newCustomer();
      const balance = () => balanceOf(server.database.sql, customer.tenantId);
      const session = await startCheckout(server, customer, 'standard');
      await payInSandbox(server, session.id, {
        card_number: '4242 4242 4242 4242',
        currency: BUYER_CURRENCY,
      });
      const eventsOf = (type: string) =>
        server.sandbox.account.events.filter((event) => event.type === type).at(-1)!;
      assert.equal((await server.deliver(eventsOf('checkout.session.completed'))).status, 200);
      assert.equal(await balance(), 200);

      // The older shape: the charge and the dispute in the buyer's currency, at the sandbox's rate.
      const inBuyerCurrency = <T extends Stripe.Event>(event: T, fields: string[]) => {
        const legacy = structuredClone(event);
        legacy.id = `${event.id}_legacy`;
        const object = legacy.data.object as unknown as Record<string, unknown>;
        const rate = (presented: number) => Math.round((presented * 108) / 100);
        for (const field of fields) object[field] = rate(object[field] as number);
        object.currency = BUYER_CURRENCY;
        delete object.presentment_details;
        return legacy;
      };
      await sandboxControl(server, `checkout-sessions/${session.id}/refund`, { amount: 1250 });
      const refunded = inBuyerCurrency(eventsOf('charge.refunded'), [
        'amount',
        'amount_refunded',
        'amount_captured',
      ]);
      assert.equal((await server.deliver(refunded)).status, 200);
      assert.equal(await balance(), 150, 'half of the package, as our currency counts it');

      await sandboxControl(server, `checkout-sessions/${session.id}/dispute`, { amount: 1250 });
      const disputed = inBuyerCurrency(eventsOf('charge.dispute.created'), ['amount']);
      assert.equal((await server.deliver(disputed)).status, 200);
      assert.equal(await balance(), 100, 'the other half held by the dispute');
    } finally {
      server.sandbox.setWebhookUrl(null);
    }
  });

  test('an event for a webhook endpoint on an API version before 2025-03-31 (buyer currency on the session) is credited, not flagged', async () => {
    server.sandbox.setWebhookUrl(null);
    try {
      const customer = await server.newCustomer();
      const session = await startCheckout(server, customer, 'power');
      await payInSandbox(server, session.id, {
        card_number: '4242 4242 4242 4242',
        currency: BUYER_CURRENCY,
      });
      const completed = completedEventOf(server, session.id);
      // The same session as that endpoint sees it: the buyer's currency, ours under currency_conversion.
      const legacy = structuredClone(completed);
      legacy.id = `${completed.id}_legacy`;
      const object = legacy.data.object as Stripe.Checkout.Session;
      const presented = object.presentment_details!.presentment_amount;
      Object.assign(object, {
        currency: BUYER_CURRENCY,
        amount_subtotal: presented,
        amount_total: presented,
        currency_conversion: {
          amount_subtotal: 12500,
          amount_total: 12500,
          fx_rate: String(presented / 12500),
          source_currency: 'eur',
        },
      });
      delete object.presentment_details;
      assert.equal((await server.deliver(legacy)).status, 200);
      assert.equal((await server.deliver(completed)).status, 200);
      assert.equal(await balanceOf(server.database.sql, customer.tenantId), 600, 'credited once');
      assert.deepEqual(await purchaseOf(server, session.id), {
        status: 'credited',
        failure_code: null,
        credited_credits: 500,
        amount_paid_cents: 12500,
        currency: 'eur',
      });
    } finally {
      server.sandbox.setWebhookUrl(`${server.url}/v1/stripe/webhook`);
    }
  });
});
