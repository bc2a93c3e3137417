// The Edge Function entry (supabase/functions/credit-topup/index.ts) running under Deno (the `deno` npm
// package's binary, with this project's node_modules), against real PostgreSQL and the Stripe sandbox:
// once with the `postgres` store, once with the `supabase` store (the Edge default) through HTTP.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { signPayload } from '../../stripe-sandbox/webhook-sender.ts';
import { accessToken, TEST_JWT_SECRET } from '../support/access-tokens.ts';
import { startEdgeFunction } from '../support/edge-function-process.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { eventually } from '../support/server-harness.ts';
import { balanceOf, createTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

const startDeno = (env: Record<string, string>) => startEdgeFunction('credit-topup', env);

for (const store of ['postgres', 'supabase'] as const) {
  describe(`the Edge Function on Deno with the ${store} store`, () => {
    let database: TestDatabase;
    let sandbox: StripeSandbox;
    let standIn: PostgrestStandIn | undefined;
    let deno: Awaited<ReturnType<typeof startDeno>>;

    before(async () => {
      database = await createTestDatabase();
      sandbox = await startStripeSandbox({ webhookRetryBaseMs: 100 });
      const ledgerEnv =
        store === 'postgres'
          ? { DATABASE_URL: database.url }
          : await startPostgrestStandIn(database.url).then((started) => {
              standIn = started;
              return { SUPABASE_URL: started.url, SUPABASE_SERVICE_ROLE_KEY: started.serviceRoleKey };
            });
      deno = await startDeno({
        ...ledgerEnv,
        // The Edge spelling of the secret: SUPABASE_ names are reserved there.
        CREDIT_TOPUP_JWT_SECRET: TEST_JWT_SECRET,
        STRIPE_SECRET_KEY: sandbox.secretKey,
        STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
        STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
        STRIPE_API_BASE: sandbox.url,
        PUBLIC_RETURN_URL: 'https://portal.example.test/kosten',
        ALLOWED_ORIGINS: 'https://portal.example.test',
      });
      sandbox.setWebhookUrl(`${deno.url}/credit-topup/v1/stripe/webhook`);
    });

    after(async () => {
      await deno?.child.stop({ signal: 'SIGKILL' });
      await sandbox?.close();
      await standIn?.close();
      await database?.drop();
    });

    test('health, readiness and packages, also under the function name prefix Supabase uses', async () => {
      assert.equal((await fetch(`${deno.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${deno.url}/credit-topup/readyz`)).status, 200);
      const packages = (await (await fetch(`${deno.url}/credit-topup/v1/packages`)).json()) as {
        packages: unknown[];
      };
      assert.equal(packages.packages.length, 3);
    });

    test('balance, checkout creation and a signed webhook that credits once; a forged one is refused', async () => {
      const tenant = await createTenant(database.sql);
      const headers = {
        Authorization: `Bearer ${await accessToken(tenant.userId)}`,
        'Content-Type': 'application/json',
      };
      const balance = await fetch(`${deno.url}/credit-topup/v1/balance`, { headers });
      assert.deepEqual(await balance.json(), {
        tenant_id: tenant.tenantId,
        balance_credits: 100,
        reserved_credits: 0,
        available_credits: 100,
        auto_recharge: { state: 'off', reason: null },
      });

      const created = await fetch(`${deno.url}/credit-topup/v1/checkout-sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
      });
      assert.equal(created.status, 201);
      const session = (await created.json()) as { id: string; client_secret: string };
      assert.match(session.client_secret, /_secret_/);

      const paid = sandbox.account.checkoutSessions.pay(session.id, {
        type: 'card',
        number: '4242424242424242',
      });
      assert.ok(paid.ok);
      await eventually(
        'credited on Deno',
        async () => (await balanceOf(database.sql, tenant.tenantId)) === 200,
      );
      const completed = sandbox.account.events.find((event) => event.type === 'checkout.session.completed')!;
      const body = JSON.stringify(completed);
      const deliver = (secret: string) =>
        fetch(`${deno.url}/credit-topup/v1/stripe/webhook`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Stripe-Signature': signPayload(body, secret, Math.floor(Date.now() / 1000)),
          },
          body,
        });
      assert.equal((await deliver(sandbox.webhookSecret)).status, 200, 'a redelivery is accepted');
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200, 'and credits nothing more');
      // Under the function name too the webhook has its own 1 MB body limit, not the API's 16 KB one.
      const large = `${body.slice(0, -1)}${' '.repeat(20 * 1024)}}`;
      const largeDelivery = await fetch(`${deno.url}/credit-topup/v1/stripe/webhook`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': signPayload(large, sandbox.webhookSecret, Math.floor(Date.now() / 1000)),
        },
        body: large,
      });
      assert.equal(largeDelivery.status, 200, 'a signed delivery larger than 16 KB is accepted');
      const forged = await deliver('whsec_forged');
      assert.equal(forged.status, 400);
      assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'signature_invalid');
      if (standIn)
        assert.ok(standIn.requests.includes('POST /rest/v1/rpc/credit_topup_fulfil_checkout_session'));
    });

    test('rate limits count in the database, which every isolate shares', async () => {
      const tenant = await createTenant(database.sql);
      const headers = { Authorization: `Bearer ${await accessToken(tenant.userId)}` };
      const lookUp = await fetch(`${deno.url}/credit-topup/v1/checkout-sessions/cs_test_unknown`, {
        headers,
      });
      assert.equal(lookUp.status, 404);
      const rows = await database.sql`
        select limit_name, hits from public.credit_topup_rate_limits where limit_key = ${tenant.userId}`;
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ limit_name: 'session_status', hits: 1 }],
      );
    });
  });
}

test('the Edge Function refuses to start with RATE_LIMIT_STORE=memory (isolates share no memory)', async () => {
  await assert.rejects(
    startDeno({
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      RATE_LIMIT_STORE: 'memory',
      CREDIT_TOPUP_JWT_SECRET: TEST_JWT_SECRET,
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      PUBLIC_RETURN_URL: 'https://portal.example.test/kosten',
    }),
    /RATE_LIMIT_STORE=memory is refused/,
  );
});
