import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAppFromConfig } from '../../server/app-from-config.ts';
import { silentLogger } from '../../server/http/logger.ts';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { openCreditStore } from '../../server/ledger/open-credit-store.ts';
import { CURRENT_WITHDRAWAL_WAIVER } from '../../server/selling/withdrawal-waiver.ts';
import { eventually, startTestServer, TEST_ORIGIN, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { testServerConfig } from '../support/test-server-env.ts';

after(stopOwnTestCluster);

describe('public endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('GET /healthz answers 200, and /readyz 200 while the database answers', async () => {
    const health = await server.api('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await server.api('/readyz');
    assert.equal(ready.status, 200);
  });

  test('GET /readyz answers 503 database_unavailable while the database is cut off, and 200 again after', async () => {
    await server.databaseProxy.cut();
    try {
      const ready = await server.api('/readyz');
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { error: { code: string } }).error.code, 'database_unavailable');
    } finally {
      await server.databaseProxy.restore();
    }
    assert.equal((await server.api('/readyz')).status, 200);
  });

  test('a database host that accepts connections but never answers → 503 within the call deadline', async () => {
    server.databaseProxy.blackhole();
    try {
      const started = Date.now();
      const ready = await server.api('/readyz');
      assert.equal(ready.status, 503);
      assert.ok(Date.now() - started < 5000, 'bounded by the store call deadline');
    } finally {
      await server.databaseProxy.restore();
    }
    await eventually('ready again', async () => (await server.api('/readyz')).status === 200);
  });

  test('GET /v1/config gives the publishable key, currency and mode, and where the sandbox Stripe.js is', async () => {
    const response = await server.api('/v1/config');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      publishable_key: server.sandbox.publishableKey,
      currency: 'eur',
      stripe_mode: 'sandbox',
      stripe_js_url: `${server.sandbox.url}/stripe-js-stand-in.js`,
      // By default the portal sells to consumers, at prices including VAT, and asks for the waiver.
      sell_to: 'consumers',
      vat: 'included',
      withdrawal_waiver: { ...CURRENT_WITHDRAWAL_WAIVER },
      legal: { terms_url: null, privacy_url: null, withdrawal_policy_url: null },
    });
  });

  test('GET /v1/packages lists the three packages in cents, cacheable, and no custom amount unless configured', async () => {
    const response = await server.api('/v1/packages');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /public, max-age=\d+/);
    assert.deepEqual(await response.json(), {
      currency: 'eur',
      packages: [
        { id: 'starter', name: 'Starter', credits: 50, amount: 1250 },
        { id: 'standard', name: 'Standard', credits: 100, amount: 2500 },
        { id: 'power', name: 'Power', credits: 500, amount: 12500 },
      ],
      custom_amount: null,
    });
  });

  test('every response carries a request id and security headers; a sane incoming request id is kept', async () => {
    const generated = await server.api('/v1/packages');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(generated.headers.get('x-content-type-options'), 'nosniff');
    const kept = await server.api('/v1/packages', { headers: { 'X-Request-Id': 'portal-abc-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'portal-abc-123');
    const replaced = await server.api('/v1/packages', { headers: { 'X-Request-Id': 'bad id <script>' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'bad id <script>');
  });

  test('an allowed origin gets CORS headers; a foreign origin is refused, preflight or not', async () => {
    const allowed = await server.api('/v1/packages', { headers: { Origin: TEST_ORIGIN } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), TEST_ORIGIN);
    const preflight = await server.api('/v1/checkout-sessions', {
      method: 'OPTIONS',
      headers: {
        Origin: TEST_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
      },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);

    for (const method of ['OPTIONS', 'GET']) {
      const foreign = await server.api('/v1/packages', {
        method,
        headers: { Origin: 'https://evil.example' },
      });
      assert.equal(foreign.status, 403, method);
      assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
    }
  });

  test('a foreign page can read why it is refused, and still gets nothing: no preflight passes, no data', async () => {
    const foreign = 'https://other-portal.example';
    // A simple request (no preflight): its 403 is readable by that page, so the element can say what is wrong.
    const refused = await server.api('/v1/packages', { headers: { Origin: foreign } });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), foreign);
    assert.match(refused.headers.get('vary') ?? '', /Origin/);
    assert.equal(refused.headers.get('access-control-allow-credentials'), null);
    assert.deepEqual(Object.keys((await refused.json()) as object), ['error']);
    // A preflight is refused without any Allow-Methods or Allow-Headers: the browser never sends that page's
    // Authorization header or JSON body to us.
    const preflight = await server.api('/v1/checkout-sessions', {
      method: 'OPTIONS',
      headers: {
        Origin: foreign,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-methods'), null);
    assert.equal(preflight.headers.get('access-control-allow-headers'), null);
    // A request sent anyway (not by a browser) is refused before anything else looks at it.
    const balance = await server.api('/v1/balance', {
      headers: { Origin: foreign, Authorization: 'Bearer not-even-looked-at' },
    });
    assert.equal(balance.status, 403);
    assert.equal(((await balance.json()) as { error: { code: string } }).error.code, 'origin_not_allowed');
  });

  test('an unknown path is a JSON 404', async () => {
    const response = await server.api('/v1/nothing-here');
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: { code: 'not_found', message: 'No such endpoint.' } });
  });
});

test('GET /readyz answers 503 when the database was never reachable', async () => {
  const config = testServerConfig({
    databaseUrl: `postgres://postgres:x@127.0.0.1:${await findFreePort()}/none`,
    sandbox: {
      secretKey: 'sk_test_x',
      publishableKey: 'pk_test_x',
      webhookSecret: 'whsec_x',
      url: 'http://127.0.0.1:9',
    },
  });
  const ledger = await openCreditStore(config.ledger);
  try {
    // In-process, no port: the app as a value.
    const response = await createAppFromConfig(config, ledger.store, silentLogger).request('/readyz');
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'database_unavailable');
  } finally {
    await ledger.close();
  }
});
