// The reads behind GET /v1/checkout-sessions/:id, with Stripe's part played by a function that counts
// its calls and answers when the test says so.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Stripe from 'stripe';
import { createCheckoutSessionReader } from '../../server/stripe/checkout-session-reader.ts';

function stripeStandIn() {
  const calls: string[] = [];
  const pending: { resolve(session: Stripe.Checkout.Session): void; reject(error: Error): void }[] = [];
  return {
    calls,
    answer: (status: 'open' | 'complete') => pending.shift()!.resolve({ status } as Stripe.Checkout.Session),
    fail: () => pending.shift()!.reject(new Error('Stripe is down')),
    retrieve(sessionId: string) {
      calls.push(sessionId);
      return new Promise<Stripe.Checkout.Session>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
}

test('concurrent reads of one session share one Stripe call; other sessions are asked apart', async () => {
  const stripe = stripeStandIn();
  const reader = createCheckoutSessionReader(stripe.retrieve, { freshForMs: 1500, now: () => 0 });
  const reads = Array.from({ length: 10 }, () => reader.retrieve('cs_test_a'));
  const other = reader.retrieve('cs_test_b');
  assert.deepEqual(stripe.calls, ['cs_test_a', 'cs_test_b']);
  stripe.answer('open');
  stripe.answer('complete');
  assert.deepEqual(
    (await Promise.all(reads)).map((session) => session.status),
    Array(10).fill('open'),
  );
  assert.equal((await other).status, 'complete');
});

test('a session read less than the interval ago is not asked again; after it, it is', async () => {
  let now = 0;
  const stripe = stripeStandIn();
  const reader = createCheckoutSessionReader(stripe.retrieve, { freshForMs: 1500, now: () => now });
  const first = reader.retrieve('cs_test_a');
  stripe.answer('open');
  await first;
  now = 1499;
  assert.equal((await reader.retrieve('cs_test_a')).status, 'open');
  assert.equal(stripe.calls.length, 1);
  now = 1500;
  const later = reader.retrieve('cs_test_a');
  assert.equal(stripe.calls.length, 2);
  stripe.answer('complete');
  assert.equal((await later).status, 'complete');
});

test('a failed read is shared by those who waited for it, and not kept: the next read asks again', async () => {
  const stripe = stripeStandIn();
  const reader = createCheckoutSessionReader(stripe.retrieve, { freshForMs: 1500, now: () => 0 });
  const reads = [reader.retrieve('cs_test_a'), reader.retrieve('cs_test_a')];
  stripe.fail();
  for (const read of reads) await assert.rejects(read, /Stripe is down/);
  const retry = reader.retrieve('cs_test_a');
  assert.equal(stripe.calls.length, 2);
  stripe.answer('open');
  assert.equal((await retry).status, 'open');
});
