// Thousands of generated bad requests against every endpoint: never a 5xx, never a change in the
// database, always one of the documented error codes. Auth attacks included.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { accessToken, TEST_JWT_SECRET } from '../support/access-tokens.ts';
import { assertNoSecrets, report, size } from '../support/reliability.ts';
import { startCheckout, startTestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

const VALID_PACKAGES = new Set(['starter', 'standard', 'power']);
const CHECKOUT_CODES = new Set([
  'invalid_json',
  'invalid_request',
  'unknown_package',
  'invalid_idempotency_key',
  'payload_too_large',
  'unsupported_media_type',
  'unauthorized',
  'no_tenant',
  'rate_limited',
  'origin_not_allowed',
  'not_found',
  'idempotency_key_reused',
]);

const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.record({
    package_id: fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.constant('Standard'),
      fc.constant(' standard'),
      fc.constant('standard\u0000'),
    ),
  }),
  fc.record({
    package_id: fc.constant('starter'),
    credits: fc.oneof(fc.integer(), fc.double(), fc.constant(-50), fc.constant(1e308)),
    amount: fc.integer(),
    tenant_id: fc.uuid(),
  }),
);
const rawBody = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '{',
    '{"package_id":',
    '[',
    'null',
    '1e999',
    '{"package_id":"starter"',
    '\u0000\u0001',
    '{"package_id":"standard"}}',
  ),
  fc
    .integer({ min: 17, max: 40 })
    .map((kb) => JSON.stringify({ package_id: 'starter', pad: 'x'.repeat(kb * 1024) })),
);

test('generated bad requests: no 5xx, no state change, documented codes only', async () => {
  const perEndpoint = size(400, 3000);
  const server = await startTestServer({ deliverWebhooks: false });
  try {
    const customer = await server.newCustomer();
    const other = await server.newCustomer();
    const othersSession = await startCheckout(server, other, 'power');
    const now = Math.floor(Date.now() / 1000);
    const snapshot = async () => {
      const [row] = await server.database.sql`
        select (select count(*) from public.credit_purchases)::int as purchases,
               (select coalesce(sum(balance_credits), 0) from public.tenant_credit_balance)::int as balances,
               (select count(*) from public.credit_ledger)::int as ledger,
               (select count(*) from public.stripe_webhook_events)::int as events`;
      return { ...row };
    };
    const before = await snapshot();
    const responses: string[] = [];
    let requests = 0;
    const statuses = new Map<number, number>();
    const check = async (response: Response, allowed: Set<string>, what: string) => {
      requests++;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      responses.push(text);
      assert.ok(response.status < 500, `${what} → ${response.status} ${text}`);
      if (response.status >= 400) {
        const code = (JSON.parse(text) as { error: { code: string } }).error.code;
        assert.ok(allowed.has(code), `${what} → undocumented code ${code}`);
      }
    };

    // POST /v1/checkout-sessions: bodies, content types, idempotency keys; never a valid package.
    await fc.assert(
      fc.asyncProperty(
        rawBody.filter((body) => {
          try {
            return !VALID_PACKAGES.has(JSON.parse(body)?.package_id) || body.length > 16 * 1024;
          } catch {
            return true;
          }
        }),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          '',
        ),
        fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 20 })), {
          nil: undefined,
        }),
        async (body, contentType, idempotencyKey) => {
          const headers: Record<string, string> = { Authorization: `Bearer ${customer.token}` };
          if (contentType) headers['Content-Type'] = contentType;
          if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey))
            headers['Idempotency-Key'] = idempotencyKey;
          await check(
            await fetch(`${server.url}/v1/checkout-sessions`, { method: 'POST', headers, body }),
            CHECKOUT_CODES,
            `POST ${body.slice(0, 60)}`,
          );
        },
      ),
      { numRuns: perEndpoint },
    );

    // GET /v1/checkout-sessions/:id: generated ids, traversal, and another tenant's real session.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.string({ unit: 'binary', minLength: 1 }),
          fc.constant(othersSession.id),
          fc.constantFrom('..%2F..%2Fetc', 'cs_test_', 'cs_live_x', "cs_test_x' or 1=1--"),
        ),
        async (id) => {
          const response = await fetch(`${server.url}/v1/checkout-sessions/${encodeURIComponent(id)}`, {
            headers: { Authorization: `Bearer ${customer.token}` },
          });
          await check(response, new Set(['not_found']), `GET session ${id}`);
          assert.equal(response.status, 404);
        },
      ),
      { numRuns: perEndpoint },
    );

    // Auth attacks on GET /v1/balance: garbage, alg none, wrong secret, tampered, expired, not yet valid,
    // wrong audience, a user without membership, duplicated Authorization headers.
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const hs256 = (claims: object, secret = TEST_JWT_SECRET) => {
      const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    const claims = { sub: customer.userId, aud: 'authenticated', role: 'authenticated', exp: now + 600 };
    const attacks = [
      `${encode({ alg: 'none' })}.${encode(claims)}.`,
      hs256(claims, 'not-the-secret-but-long-enough-to-look-real!'),
      hs256({ ...claims, exp: now - 60 }),
      hs256({ ...claims, nbf: now + 600 }),
      hs256({ ...claims, aud: 'anon' }),
      hs256({ ...claims, sub: 'not-a-uuid' }),
      `${customer.token.split('.')[0]}.${encode({ ...claims, sub: other.userId })}.${customer.token.split('.')[2]}`,
      await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS512' })
        .setSubject(customer.userId)
        .setAudience('authenticated')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
      await accessToken('00000000-0000-4000-8000-000000000000'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...attacks),
          fc.string(),
          fc.base64String(),
          fc.constant(`${customer.token}x`),
        ),
        fc.constantFrom('Bearer ', 'bearer ', 'Basic ', '', 'Bearer  '),
        async (token, scheme) => {
          const response = await fetch(`${server.url}/v1/balance`, {
            headers: [
              ['Authorization', `${scheme}${token}`],
              ['Authorization', `Bearer ${customer.token}`],
            ].slice(0, token.length % 2 === 0 ? 1 : 2) as [string, string][],
          });
          await check(
            response,
            new Set(['unauthorized', 'no_tenant']),
            `balance with ${scheme}${token.slice(0, 40)}`,
          );
          assert.ok(
            response.status === 401 || response.status === 403,
            `${scheme}${token.slice(0, 40)} → ${response.status}`,
          );
        },
      ),
      { numRuns: perEndpoint },
    );

    // POST /v1/stripe/webhook: generated bodies and signatures, none valid.
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.oneof(
          fc.string(),
          fc.constant(`t=${now},v1=${'0'.repeat(64)}`),
          fc.constant(`t=${now - 10_000},v1=abc`),
          fc.constant(''),
        ),
        async (body, signature) => {
          const headers: Record<string, string> = { 'Content-Type': 'application/json' };
          if (signature) headers['Stripe-Signature'] = signature;
          const response = await fetch(`${server.url}/v1/stripe/webhook`, { method: 'POST', headers, body });
          await check(response, new Set(['signature_invalid', 'payload_too_large']), `webhook ${signature}`);
          assert.ok(response.status === 400 || response.status === 413);
        },
      ),
      { numRuns: perEndpoint },
    );

    assert.deepEqual(await snapshot(), before, 'no request changed the database');
    assertNoSecrets([...server.logs, ...responses], 'logs and responses');
    report('bad input and auth attacks', {
      requests,
      endpoints: 4,
      answers: [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${count}×${status}`)
        .join(' '),
      server_errors: [...statuses.entries()]
        .filter(([status]) => status >= 500)
        .reduce((sum, [, count]) => sum + count, 0),
      state_changes: 0,
    });
  } finally {
    await server.close();
  }
});
