// The portal's own two Edge Functions, named as its plan names them (steps 3 and 4), under Deno against
// real PostgreSQL and the Stripe sandbox: sot-credit-checkout answers what the element asks,
// sot-credit-webhook only Stripe's deliveries, each under the function-name prefix Supabase adds, and
// neither the other's part.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { signPayload } from '../../stripe-sandbox/webhook-sender.ts';
import { accessToken, TEST_JWT_SECRET } from '../support/access-tokens.ts';
import { type RunningEdgeFunction, startEdgeFunction } from '../support/edge-function-process.ts';
import { eventually } from '../support/server-harness.ts';
import { balanceOf, createTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

describe("the portal's sot-credit-checkout and sot-credit-webhook Edge Functions", () => {
  let database: TestDatabase;
  let sandbox: StripeSandbox;
  let checkout: RunningEdgeFunction;
  let webhook: RunningEdgeFunction;

  const checkoutUrl = (path: string) => `${checkout.url}/sot-credit-checkout${path}`;
  const webhookUrl = (path: string) => `${webhook.url}/sot-credit-webhook${path}`;
  const signed = (body: string) => ({
    'Content-Type': 'application/json',
    'Stripe-Signature': signPayload(body, sandbox.webhookSecret, Math.floor(Date.now() / 1000)),
  });
  const errorCode = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code;

  before(async () => {
    database = await createTestDatabase();
    sandbox = await startStripeSandbox({ webhookRetryBaseMs: 100 });
    // Supabase's secrets belong to the project: both functions see the same ones.
    const env = {
      DATABASE_URL: database.url,
      CREDIT_TOPUP_JWT_SECRET: TEST_JWT_SECRET,
      STRIPE_SECRET_KEY: sandbox.secretKey,
      STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
      STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
      STRIPE_API_BASE: sandbox.url,
      PUBLIC_RETURN_URL: 'https://portal.example.test/kosten',
      ALLOWED_ORIGINS: 'https://portal.example.test',
    };
    [checkout, webhook] = await Promise.all([
      startEdgeFunction('sot-credit-checkout', env),
      startEdgeFunction('sot-credit-webhook', env),
    ]);
    sandbox.setWebhookUrl(webhookUrl('/v1/stripe/webhook'));
  });

  after(async () => {
    await checkout?.child.stop({ signal: 'SIGKILL' });
    await webhook?.child.stop({ signal: 'SIGKILL' });
    await sandbox?.close();
    await database?.drop();
  });

  test('a purchase through both: checkout and balance from one, the signed delivery that credits to the other', async () => {
    const tenant = await createTenant(database.sql);
    const headers = {
      Authorization: `Bearer ${await accessToken(tenant.userId)}`,
      'Content-Type': 'application/json',
    };
    const config = await fetch(checkoutUrl('/v1/config'));
    assert.equal(config.status, 200);
    const packages = (await (await fetch(checkoutUrl('/v1/packages'))).json()) as { packages: unknown[] };
    assert.equal(packages.packages.length, 3);

    const created = await fetch(checkoutUrl('/v1/checkout-sessions'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
    });
    assert.equal(created.status, 201);
    const session = (await created.json()) as { id: string };

    assert.ok(
      sandbox.account.checkoutSessions.pay(session.id, { type: 'card', number: '4242424242424242' }).ok,
    );
    await eventually(
      'credited through sot-credit-webhook',
      async () => (await balanceOf(database.sql, tenant.tenantId)) === 200,
    );
    const balance = await fetch(checkoutUrl('/v1/balance'), { headers });
    assert.equal(((await balance.json()) as { balance_credits: number }).balance_credits, 200);
    const status = await fetch(checkoutUrl(`/v1/checkout-sessions/${session.id}`), { headers });
    assert.equal(status.status, 200);

    // Stripe delivers again, larger than the API's 16 KB body limit: accepted, and nothing more credited.
    const completed = sandbox.account.events.find(
      (event) => event.type === 'checkout.session.completed' && event.data.object.id === session.id,
    )!;
    const body = `${JSON.stringify(completed).slice(0, -1)}${' '.repeat(20 * 1024)}}`;
    const redelivery = await fetch(webhookUrl('/v1/stripe/webhook'), {
      method: 'POST',
      headers: signed(body),
      body,
    });
    assert.equal(redelivery.status, 200);
    assert.equal(await balanceOf(database.sql, tenant.tenantId), 200);

    const forged = await fetch(webhookUrl('/v1/stripe/webhook'), {
      method: 'POST',
      headers: { ...signed(body), 'Stripe-Signature': signPayload(body, 'whsec_forged', 1) },
      body,
    });
    assert.equal(forged.status, 400);
    assert.equal(await errorCode(forged), 'signature_invalid');
  });

  test('sot-credit-checkout does not take Stripe deliveries', async () => {
    const body = JSON.stringify({ id: 'evt_test_elsewhere', object: 'event', type: 'ping' });
    const refused = await fetch(checkoutUrl('/v1/stripe/webhook'), {
      method: 'POST',
      headers: signed(body),
      body,
    });
    assert.equal(refused.status, 404);
    assert.equal(await errorCode(refused), 'not_found');
    assert.ok(refused.headers.get('x-request-id'), 'answered by the app, with its headers');
  });

  test('sot-credit-webhook answers nothing the element asks', async () => {
    const tenant = await createTenant(database.sql);
    const headers = { Authorization: `Bearer ${await accessToken(tenant.userId)}` };
    for (const path of ['/v1/config', '/v1/packages', '/v1/balance', '/v1/checkout-sessions/cs_test_x']) {
      const refused = await fetch(webhookUrl(path), { headers });
      assert.equal(refused.status, 404, path);
      assert.equal(await errorCode(refused), 'not_found', path);
    }
    const created = await fetch(webhookUrl('/v1/checkout-sessions'), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
    });
    assert.equal(created.status, 404);
    assert.equal((await fetch(webhookUrl('/healthz'))).status, 200, 'both answer health checks');
    assert.equal((await fetch(checkoutUrl('/readyz'))).status, 200);
  });
});

test('the three functions deploy with the same import map (Supabase bundles each with its own deno.json)', async () => {
  const importMap = (name: string) =>
    readFile(new URL(`../../supabase/functions/${name}/deno.json`, import.meta.url), 'utf8');
  const combined = await importMap('credit-topup');
  assert.equal(await importMap('sot-credit-checkout'), combined);
  assert.equal(await importMap('sot-credit-webhook'), combined);
});
