// The sandbox's customers, through the official SDK as our server calls them: one per tenant, created
// under an idempotency key, so that the same key never makes a second customer, not even when the
// requests run at the same time (Stripe answers 409 idempotency_key_in_use to the later ones, which
// the SDK retries and then gets the first one's customer).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { sandboxStripeClient } from '../support/sandbox-stripe-client.ts';

describe('sandbox customers', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  before(async () => {
    sandbox = await startStripeSandbox();
    stripe = sandboxStripeClient(sandbox, { maxNetworkRetries: 3 });
  });
  after(() => sandbox.close());

  const createFor = (tenantId: string, name = 'Muster Immobilien GmbH') =>
    stripe.customers.create(
      { name, metadata: { tenant_id: tenantId }, preferred_locales: ['de'] },
      { idempotencyKey: `credit-topup-customer-${tenantId}` },
    );

  test('a customer is created with what it was given and can be retrieved', async () => {
    const created = await createFor('tenant-create');
    assert.match(created.id, /^cus_/);
    assert.equal(created.object, 'customer');
    assert.equal(created.name, 'Muster Immobilien GmbH');
    assert.deepEqual(created.metadata, { tenant_id: 'tenant-create' });
    assert.deepEqual(created.preferred_locales, ['de']);
    const retrieved = await stripe.customers.retrieve(created.id);
    assert.equal(retrieved.id, created.id);
    assert.equal((retrieved as Stripe.Customer).name, 'Muster Immobilien GmbH');
  });

  test('an unknown customer is resource_missing', async () => {
    await assert.rejects(stripe.customers.retrieve('cus_unknown'), (error: Stripe.errors.StripeError) => {
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'resource_missing');
      return true;
    });
  });

  test('the same idempotency key with the same parameters returns the same customer', async () => {
    const first = await createFor('tenant-again');
    const second = await createFor('tenant-again');
    assert.equal(second.id, first.id);
    const ofTenant = [...sandbox.account.customers.customers.values()].filter(
      (customer) => customer.metadata.tenant_id === 'tenant-again',
    );
    assert.equal(ofTenant.length, 1);
  });

  test('the same idempotency key with other parameters is refused', async () => {
    await createFor('tenant-other-params');
    await assert.rejects(
      createFor('tenant-other-params', 'Another Name'),
      (error: Stripe.errors.StripeError) => {
        assert.equal(error.statusCode, 400);
        assert.equal(error.type, 'StripeIdempotencyError');
        return true;
      },
    );
  });

  test('20 concurrent creations under one key make one customer, and all 20 callers get it', async () => {
    // The first request takes a while, as on Stripe, so that the others arrive while it is in flight.
    sandbox.injectFaults({ kind: 'delay', ms: 300, endpoint: 'customers' });
    const results = await Promise.all(Array.from({ length: 20 }, () => createFor('tenant-concurrent')));
    const ids = new Set(results.map((customer) => customer.id));
    assert.equal(ids.size, 1);
    const ofTenant = [...sandbox.account.customers.customers.values()].filter(
      (customer) => customer.metadata.tenant_id === 'tenant-concurrent',
    );
    assert.equal(ofTenant.length, 1);
    const attempts = sandbox.apiRequests.filter(
      (request) => request.idempotencyKey === 'credit-topup-customer-tenant-concurrent',
    );
    assert.ok(attempts.length > 20, 'the later requests were refused while the first ran, and retried');
  });

  test('a customer can be updated', async () => {
    const created = await createFor('tenant-update');
    const updated = await stripe.customers.update(created.id, {
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      metadata: { note: 'x' },
    });
    assert.equal(updated.address?.city, 'Berlin');
    assert.deepEqual(updated.metadata, { tenant_id: 'tenant-update', note: 'x' });
  });
});
