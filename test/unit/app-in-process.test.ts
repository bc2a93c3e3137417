// The app as a value, called in-process with app.request(): no port, no database (a fake store), no
// Stripe. What is checked here is the HTTP layer itself: how every kind of failure becomes an answer.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAppFromConfig } from '../../server/app-from-config.ts';
import { createJsonLogger } from '../../server/http/logger.ts';
import { type CreditStore, LedgerUnavailableError } from '../../server/ledger/credit-store.ts';
import { accessToken } from '../support/access-tokens.ts';
import { fakeCreditStore } from '../support/fake-credit-store.ts';
import { TEST_ORIGIN, testServerConfig } from '../support/test-server-env.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

const USER = '6f0a1c2e-1111-4222-8333-444455556666';

function appWith(answers: Partial<CreditStore> = {}, env: Record<string, string> = {}) {
  const logs: string[] = [];
  const store = fakeCreditStore(answers);
  const config = testServerConfig({
    databaseUrl: 'postgres://unused@127.0.0.1:1/unused',
    sandbox: {
      secretKey: 'sk_test_x',
      publishableKey: 'pk_test_x',
      webhookSecret: 'whsec_x',
      url: 'http://127.0.0.1:9',
    },
    // One app in one process: the memory store, so that the fake store is asked only what a test expects.
    env: { RATE_LIMIT_STORE: 'memory', ...env },
  });
  const app = createAppFromConfig(
    config,
    store,
    createJsonLogger((line) => logs.push(line)),
  );
  return { app, store, logs };
}

const errorOf = async (response: Response) => ({
  status: response.status,
  code: ((await response.json()) as { error: { code: string } }).error.code,
});

describe('the app in-process', () => {
  test('a balance: the token is verified, the tenant comes from the store, the body is the contract shape', async () => {
    const { app, store } = appWith({
      getBalanceOfUser: async () => ({
        tenantId: 't-1',
        balanceCredits: 120,
        reservedCredits: 20,
        availableCredits: 100,
        autoRecharge: { state: 'needs_confirmation', reason: null },
      }),
    });
    const response = await app.request('/v1/balance', {
      headers: { Authorization: `Bearer ${await accessToken(USER)}` },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), {
      tenant_id: 't-1',
      balance_credits: 120,
      reserved_credits: 20,
      available_credits: 100,
      auto_recharge: { state: 'needs_confirmation', reason: null },
    });
    assert.deepEqual(store.calls, [{ method: 'getBalanceOfUser', args: [USER] }]);
  });

  test('every refusal has its status and code; only valid requests count against the limit or reach the store', async () => {
    const { app, store } = appWith(
      { prepareCheckout: async () => ({ ok: false, code: 'no_tenant' }) },
      { CHECKOUT_RATE_LIMIT: '2' },
    );
    const token = await accessToken(USER);
    const post = (init: RequestInit) =>
      app.request('/v1/checkout-sessions', {
        method: 'POST',
        ...init,
        headers: { Authorization: `Bearer ${token}`, ...init.headers },
      });
    assert.deepEqual(await errorOf(await app.request('/v1/balance')), { status: 401, code: 'unauthorized' });
    assert.deepEqual(await errorOf(await app.request('/v1/nothing')), { status: 404, code: 'not_found' });
    assert.deepEqual(
      await errorOf(await app.request('/v1/packages', { headers: { Origin: 'https://evil.example' } })),
      { status: 403, code: 'origin_not_allowed' },
    );
    assert.deepEqual(await errorOf(await post({ body: '{}', headers: { 'Content-Type': 'text/plain' } })), {
      status: 415,
      code: 'unsupported_media_type',
    });
    const broken = { body: '{', headers: { 'Content-Type': 'application/json' } };
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.deepEqual(await errorOf(await post(broken)), { status: 400, code: 'invalid_json' });
    }
    assert.equal(store.calls.length, 0, 'refused requests neither count nor reach the store');

    const valid = {
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
      headers: { 'Content-Type': 'application/json' },
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.deepEqual(await errorOf(await post(valid)), { status: 403, code: 'no_tenant' });
    }
    const limited = await post(valid);
    assert.deepEqual(await errorOf(limited), { status: 429, code: 'rate_limited' });
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.deepEqual(
      store.calls.map((call) => [call.method, (call.args[0] as { limit: unknown }).limit]),
      [
        ['prepareCheckout', null],
        ['prepareCheckout', null],
      ],
      'in the memory store, counted here; the ledger is asked to count nothing',
    );
  });

  test("in the database store a limit is the store's answer: one call per request, its wait as Retry-After", async () => {
    const { app, store } = appWith(
      { takeRateLimit: async () => 42 },
      {
        RATE_LIMIT_STORE: 'database',
        SESSION_STATUS_RATE_LIMIT: '7',
        SESSION_STATUS_RATE_LIMIT_WINDOW_S: '30',
      },
    );
    const response = await app.request('/v1/checkout-sessions/cs_test_a', {
      headers: { Authorization: `Bearer ${await accessToken(USER)}` },
    });
    assert.deepEqual(await errorOf(response), { status: 429, code: 'rate_limited' });
    assert.equal(response.headers.get('retry-after'), '42');
    assert.deepEqual(store.calls, [
      {
        method: 'takeRateLimit',
        args: [{ limitName: 'session_status', key: USER, maxRequests: 7, windowSeconds: 30 }],
      },
    ]);
  });

  test('a body over the limit is refused before it is read', async () => {
    const { app } = appWith();
    const response = await app.request('/v1/checkout-sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: TEST_ORIGIN },
      body: JSON.stringify({ padding: 'x'.repeat(20 * 1024) }),
    });
    assert.deepEqual(await errorOf(response), { status: 413, code: 'payload_too_large' });
    assert.equal(response.headers.get('access-control-allow-origin'), TEST_ORIGIN);
  });

  test('a database that does not answer is a 503 (Stripe retries); a bug is a 500 that reveals nothing', async () => {
    const down = appWith({
      getBalanceOfUser: () => Promise.reject(new LedgerUnavailableError('connection refused')),
    });
    const headers = { Authorization: `Bearer ${await accessToken(USER)}` };
    assert.deepEqual(await errorOf(await down.app.request('/v1/balance', { headers })), {
      status: 503,
      code: 'database_unavailable',
    });
    const buggy = appWith({
      getBalanceOfUser: () => Promise.reject(new TypeError('secret detail sk_test_123')),
    });
    const response = await buggy.app.request('/v1/balance', { headers });
    const body = await response.text();
    assert.equal(response.status, 500);
    assert.deepEqual(JSON.parse(body), {
      error: { code: 'internal_error', message: 'Something went wrong on our side.' },
    });
    assert.ok(!body.includes('secret detail'));
    assert.ok(
      buggy.logs.some((line) => line.includes('unhandled error') && line.includes('sk_test_[redacted]')),
    );
  });

  test('every answer carries a request id, app timing and security headers', async () => {
    const { app } = appWith();
    const response = await app.request('/healthz', { headers: { 'X-Request-Id': 'trace-42' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-request-id'), 'trace-42');
    assert.match(response.headers.get('server-timing') ?? '', /^app;dur=\d+\.\d{2}$/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const random = await app.request('/healthz', { headers: { 'X-Request-Id': 'not ok\n' } });
    assert.match(random.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('every kind of answer carries all the security headers, its request id and Server-Timing', async () => {
    const { app } = appWith({
      getBalanceOfUser: () => Promise.reject(new Error('a bug')),
    });
    const token = await accessToken(USER);
    const answers: Record<string, Response> = {
      'a JSON answer': await app.request('/v1/packages'),
      'not found': await app.request('/v1/nothing-here'),
      'a refusal (401)': await app.request('/v1/balance'),
      'too large (413)': await app.request('/v1/checkout-sessions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(20 * 1024) },
        body: 'x'.repeat(20 * 1024),
      }),
      'a server error (500)': await app.request('/v1/balance', {
        headers: { Authorization: `Bearer ${token}` },
      }),
      'a CORS preflight (204)': await app.request('/v1/balance', {
        method: 'OPTIONS',
        headers: { Origin: TEST_ORIGIN, 'Access-Control-Request-Method': 'GET' },
      }),
      'an origin refused (403)': await app.request('/v1/packages', {
        headers: { Origin: 'https://elsewhere.example' },
      }),
    };
    for (const [kind, response] of Object.entries(answers)) {
      const headers = Object.fromEntries(response.headers);
      assert.deepEqual(
        {
          'cross-origin-resource-policy': headers['cross-origin-resource-policy'],
          'cross-origin-opener-policy': headers['cross-origin-opener-policy'],
          'origin-agent-cluster': headers['origin-agent-cluster'],
          'referrer-policy': headers['referrer-policy'],
          'strict-transport-security': headers['strict-transport-security'],
          'x-content-type-options': headers['x-content-type-options'],
          'x-dns-prefetch-control': headers['x-dns-prefetch-control'],
          'x-download-options': headers['x-download-options'],
          'x-frame-options': headers['x-frame-options'],
          'x-permitted-cross-domain-policies': headers['x-permitted-cross-domain-policies'],
          'x-xss-protection': headers['x-xss-protection'],
        },
        {
          'cross-origin-resource-policy': 'cross-origin',
          'cross-origin-opener-policy': 'same-origin',
          'origin-agent-cluster': '?1',
          'referrer-policy': 'no-referrer',
          'strict-transport-security': 'max-age=15552000; includeSubDomains',
          'x-content-type-options': 'nosniff',
          'x-dns-prefetch-control': 'off',
          'x-download-options': 'noopen',
          'x-frame-options': 'SAMEORIGIN',
          'x-permitted-cross-domain-policies': 'none',
          'x-xss-protection': '0',
        },
        kind,
      );
      assert.match(headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/, kind);
      assert.match(headers['server-timing'] ?? '', /^app;dur=\d+\.\d{2}/, kind);
    }
    assert.deepEqual(
      [answers['a CORS preflight (204)']!.status, answers['an origin refused (403)']!.status],
      [204, 403],
    );
    assert.equal(answers['too large (413)']!.status, 413);
  });
});
