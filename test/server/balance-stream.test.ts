import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAppFromConfig } from '../../server/app-from-config.ts';
import { silentLogger } from '../../server/http/logger.ts';
import { accessToken } from '../support/access-tokens.ts';
import { type BalanceStreamReader, openBalanceStream } from '../support/balance-stream-reader.ts';
import { startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { until } from '../support/until.ts';

after(stopOwnTestCluster);

/** The portal spending credits in SQL, as it does: no request to our server. */
async function spendInSql(
  database: TestDatabase,
  customer: { tenantId: string; userId: string },
  credits: number,
) {
  const [row] = await database.sql`
    select public.rpc_credit_deduct(${customer.tenantId}, ${credits}, 'ai_action', null, null, ${customer.userId}) as result`;
  assert.equal(row!.result.success, true);
}

describe('GET /v1/balance/stream', () => {
  let server: TestServer;
  const streams: BalanceStreamReader[] = [];
  const open = async (token: string) => {
    const stream = await openBalanceStream(server.url, token);
    streams.push(stream);
    return stream;
  };
  before(async () => {
    server = await startTestServer({ env: { BALANCE_STREAM_HEARTBEAT_MS: '200' } });
  });
  after(async () => {
    for (const stream of streams) await stream.close();
    await server.close();
  });

  test('sends the balance at once, then every change the portal makes in SQL', async () => {
    const customer = await server.newCustomer();
    const stream = await open(customer.token);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.response.headers.get('cache-control'), 'no-store');
    const first = await stream.nextBalance(() => true, 'the first balance');
    assert.deepEqual(first, {
      tenant_id: customer.tenantId,
      balance_credits: 100,
      reserved_credits: 0,
      available_credits: 100,
      auto_recharge: { state: 'off', reason: null },
    });
    await spendInSql(server.database, customer, 7);
    const changed = await stream.nextBalance(
      (event) => event.available_credits === 93,
      'the balance after spending',
    );
    assert.equal(changed.tenant_id, customer.tenantId);
  });

  test("a change of tenant B is never sent to tenant A's stream", async () => {
    const a = await server.newCustomer();
    const b = await server.newCustomer();
    const streamOfA = await open(a.token);
    const streamOfB = await open(b.token);
    await streamOfA.nextBalance(() => true, "A's first balance");
    await streamOfB.nextBalance(() => true, "B's first balance");
    await spendInSql(server.database, b, 30);
    await streamOfB.nextBalance((event) => event.available_credits === 70, "B's change on B's stream");
    // A's own change comes after B's on the same channel: once A has it, B's was passed over.
    await spendInSql(server.database, a, 1);
    await streamOfA.nextBalance((event) => event.available_credits === 99, "A's change on A's stream");
    assert.deepEqual(
      streamOfA.balances.map((event) => [event.tenant_id, event.available_credits]),
      [
        [a.tenantId, 100],
        [a.tenantId, 99],
      ],
    );
  });

  test('a fourth stream of one user → 429 too_many_streams; closing one makes room', async () => {
    const customer = await server.newCustomer();
    const three = [await open(customer.token), await open(customer.token), await open(customer.token)];
    for (const stream of three) await stream.nextBalance(() => true, 'a first balance');
    const fourth = await server.api('/v1/balance/stream', { token: customer.token });
    assert.equal(fourth.status, 429);
    assert.equal(fourth.headers.get('retry-after'), '30');
    assert.equal(((await fourth.json()) as { error: { code: string } }).error.code, 'too_many_streams');
    // Another user of the same tenant has slots of their own.
    await three[0]!.close();
    const again = await until('a slot given back', async () => {
      const stream = await openBalanceStream(server.url, customer.token);
      if (stream.response.status === 200) return stream;
      await stream.close();
      return null;
    });
    streams.push(again);
    await again.nextBalance(() => true, 'the new stream’s first balance');
  });

  test('sends heartbeat comments while nothing changes', async () => {
    const customer = await server.newCustomer();
    const stream = await open(customer.token);
    await until('a heartbeat', () => stream.comments.includes('heartbeat'));
  });

  test('ends when the access token expires', async () => {
    const customer = await server.newCustomer();
    const stream = await open(await accessToken(customer.userId, { expiresInSeconds: 1 }));
    await stream.nextBalance(() => true, 'the first balance');
    await until('the stream to end', () => stream.ended());
  });

  test('recovers after the LISTEN connection is lost: the balance missed meanwhile comes, then every change again', async () => {
    const customer = await server.newCustomer();
    const stream = await open(customer.token);
    await stream.nextBalance(() => true, 'the first balance');
    await server.databaseProxy.cut();
    // Spent while the server cannot hear the database: this notification is lost for good.
    await spendInSql(server.database, customer, 10);
    await server.databaseProxy.restore();
    await stream.nextBalance(
      (event) => event.available_credits === 90,
      'the balance read again after the gap',
    );
    await spendInSql(server.database, customer, 5);
    await stream.nextBalance((event) => event.available_credits === 85, 'a change after the gap');
    assert.equal(stream.ended(), false, 'the same stream stayed open');
    assert.ok(server.logs.some((line) => line.includes('LISTEN connection was lost')));
  });

  test('without a database to listen to (Supabase store, Edge Function) → 501 stream_unavailable', async () => {
    const customer = await server.newCustomer();
    const app = createAppFromConfig(server.config, server.store, silentLogger);
    const response = await app.request('/v1/balance/stream', { headers: customer.headers });
    assert.equal(response.status, 501);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'stream_unavailable');
  });

  test('no token → 401, and nothing is streamed', async () => {
    const response = await server.api('/v1/balance/stream');
    assert.equal(response.status, 401);
  });
});

describe('GET /v1/balance/stream on shutdown', () => {
  test('the server closes with streams open, ending them', async () => {
    const server = await startTestServer();
    const customer = await server.newCustomer();
    const stream = await openBalanceStream(server.url, customer.token);
    await stream.nextBalance(() => true, 'the first balance');
    await server.close();
    await until('the stream to end', () => stream.ended());
    await stream.close();
  });
});
