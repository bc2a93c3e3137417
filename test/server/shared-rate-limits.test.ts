// Rate limits across instances: two servers (two processes' worth: own pools, own ports) on one database.
// In the database mode, the default, they count against one limit; in the memory mode, which must be
// asked for, each counts on its own (documented: right only when one process serves the API).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createJsonLogger } from '../../server/http/logger.ts';
import { type RunningServer, startNodeServer } from '../../server/start-node-server.ts';
import { startCheckout, startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

/** A second instance of the test server: the same configuration, database and sandbox. */
async function secondInstance(server: TestServer) {
  const logs: string[] = [];
  const instance = await startNodeServer(server.config, {
    logger: createJsonLogger((line) => logs.push(line)),
  });
  return { instance, logs };
}

function post(url: string, token: string) {
  return fetch(`${url}/v1/checkout-sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ package_id: 'starter', ...WAIVER_GIVEN }),
  });
}

async function limiterRowsOf(server: TestServer, userId: string) {
  const rows = await server.database.sql<{ limit_name: string; hits: number }[]>`
    select limit_name, hits from public.credit_topup_rate_limits where limit_key = ${userId}
     order by limit_name`;
  return rows.map((row) => ({ ...row }));
}

describe('rate limits across two instances on one database', () => {
  test('by default the limits live in the database: both instances count against one limit', async () => {
    const a = await startTestServer({
      deliverWebhooks: false,
      env: { CHECKOUT_RATE_LIMIT: '3', SESSION_STATUS_RATE_LIMIT: '4' },
    });
    let b: RunningServer | undefined;
    try {
      const second = await secondInstance(a);
      b = second.instance;
      for (const logs of [a.logs, second.logs]) {
        assert.ok(
          logs.some((line) => line.includes('"rate_limit_store":"database"')),
          'each instance says at start which mode is in force',
        );
      }
      const customer = await a.newCustomer();

      const created = [await post(a.url, customer.token), await post(a.url, customer.token)];
      created.push(await post(b.url, customer.token));
      assert.deepEqual(
        created.map((response) => response.status),
        [201, 201, 201],
      );
      assert.equal((await post(a.url, customer.token)).status, 429, 'the fourth, on A');
      const onB = await post(b.url, customer.token);
      assert.equal(onB.status, 429, 'and on B');
      assert.match(onB.headers.get('retry-after') ?? '', /^\d+$/);

      const { id } = (await created[0]!.json()) as { id: string };
      const lookUp = (url: string) =>
        fetch(`${url}/v1/checkout-sessions/${id}`, {
          headers: { Authorization: `Bearer ${customer.token}` },
        });
      const statuses = [];
      for (const url of [a.url, b.url, a.url, b.url, b.url, a.url]) statuses.push((await lookUp(url)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);

      assert.deepEqual(await limiterRowsOf(a, customer.userId), [
        { limit_name: 'checkout_create', hits: 4 },
        { limit_name: 'session_status', hits: 5 },
      ]);
    } finally {
      await b?.close();
      await a.close();
    }
  });

  test('only valid requests count; both instances answer 429 with Retry-After from the one counter', async () => {
    const a = await startTestServer({ deliverWebhooks: false, env: { CHECKOUT_RATE_LIMIT: '2' } });
    let b: RunningServer | undefined;
    try {
      b = (await secondInstance(a)).instance;
      const customer = await a.newCustomer();
      const refused = (url: string, body: unknown) =>
        fetch(`${url}/v1/checkout-sessions`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${customer.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }).then((response) => response.status);
      // Refused before Stripe is asked, and so before anything is counted.
      for (const url of [a.url, b.url]) {
        assert.equal(await refused(url, { package_id: 'mega', ...WAIVER_GIVEN }), 400);
        assert.equal(await refused(url, { package_id: 'starter' }), 400);
      }
      assert.deepEqual(await limiterRowsOf(a, customer.userId), []);

      assert.equal((await post(a.url, customer.token)).status, 201);
      assert.equal((await post(b.url, customer.token)).status, 201);
      for (const url of [a.url, b.url]) {
        const limited = await post(url, customer.token);
        assert.equal(limited.status, 429);
        assert.deepEqual(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
        assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
      }
      assert.deepEqual(await limiterRowsOf(a, customer.userId), [{ limit_name: 'checkout_create', hits: 3 }]);
    } finally {
      await b?.close();
      await a.close();
    }
  });

  test('GET /v1/balance never touches the limits (no database round trip for them)', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await server.newCustomer();
      for (let index = 0; index < 5; index++) {
        assert.equal((await server.api('/v1/balance', { token: customer.token })).status, 200);
      }
      assert.deepEqual(await limiterRowsOf(server, customer.userId), []);
    } finally {
      await server.close();
    }
  });

  test('RATE_LIMIT_STORE=memory: each instance limits on its own, and nothing is written to the database', async () => {
    const a = await startTestServer({
      deliverWebhooks: false,
      env: { RATE_LIMIT_STORE: 'memory', CHECKOUT_RATE_LIMIT: '2' },
    });
    let b: RunningServer | undefined;
    try {
      const second = await secondInstance(a);
      b = second.instance;
      assert.ok(second.logs.some((line) => line.includes('"rate_limit_store":"memory"')));
      const customer = await a.newCustomer();
      const statuses = [];
      for (const url of [a.url, a.url, a.url, b.url, b.url, b.url])
        statuses.push((await post(url, customer.token)).status);
      assert.deepEqual(statuses, [201, 201, 429, 201, 201, 429], 'twice the limit with two instances');
      await startCheckout(a, await a.newCustomer(), 'starter');
      assert.deepEqual(await limiterRowsOf(a, customer.userId), []);
    } finally {
      await b?.close();
      await a.close();
    }
  });
});
