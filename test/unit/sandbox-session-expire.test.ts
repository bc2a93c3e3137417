// Expiring a Checkout Session through the API, as our server does with a session it must not let anyone
// pay: like Stripe, only an open session can be expired, it can then not be paid, and Stripe reports it
// with checkout.session.expired.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

describe('sandbox: POST /v1/checkout/sessions/:id/expire', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox);
  });
  after(() => sandbox.close());

  const openSession = () =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://portal.example.test/',
      line_items: [
        { quantity: 1, price_data: { currency: 'eur', unit_amount: 2500, product_data: { name: 'x' } } },
      ],
    });

  test('an open session is expired, can no longer be paid, and its expiry is an event', async () => {
    const session = await openSession();
    const expired = await stripe.checkout.sessions.expire(session.id);
    assert.equal(expired.id, session.id);
    assert.equal(expired.status, 'expired');
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'expired');
    const paid = sandbox.account.checkoutSessions.pay(session.id, {
      type: 'card',
      number: '4242424242424242',
    });
    assert.equal(paid.ok, false);
    assert.ok(
      sandbox.account.events.some(
        (event) =>
          event.type === 'checkout.session.expired' &&
          (event.data.object as { id: string }).id === session.id,
      ),
    );
  });

  test('a session that is not open is refused as Stripe refuses it; an unknown one is resource_missing', async () => {
    const session = await openSession();
    await stripe.checkout.sessions.expire(session.id);
    await assert.rejects(stripe.checkout.sessions.expire(session.id), (error: Stripe.errors.StripeError) => {
      assert.equal(error.type, 'StripeInvalidRequestError');
      assert.equal(error.statusCode, 400);
      assert.match(error.message, /^Only Checkout Sessions with a status in \["open"\] can be expired/);
      return true;
    });
    await assert.rejects(
      stripe.checkout.sessions.expire('cs_test_unknown'),
      (error: Stripe.errors.StripeError) => error.statusCode === 404 && error.code === 'resource_missing',
    );
  });
});
