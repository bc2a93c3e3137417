// A CSV export whose database goes away half-way: the status line is out already, so the download must
// end as broken (the browser's read fails; no file that looks complete but is not), and a log line says
// why, since no error answer can.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedManyHistoryRows } from '../support/history-seed.ts';
import { startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.close();
  await stopOwnTestCluster();
});

test('a history export cut off by the database ends broken, not short, and is logged', async () => {
  const customer = await server.newCustomer();
  // 100 pages of the export: far more than the sockets buffer before the reader reads.
  await seedManyHistoryRows(server.database.sql, customer, 50_000);
  const response = await server.api('/v1/ledger.csv', { token: customer.token });
  assert.equal(response.status, 200);
  await server.databaseProxy.cut();
  try {
    const read = response.text();
    await assert.rejects(read, 'the download ends broken, not as a complete-looking file');
  } finally {
    await server.databaseProxy.restore();
  }
  const cutOff = server.logs
    .map((line) => JSON.parse(line) as { level: string; message: string; export?: string })
    .filter((line) => line.message === 'history export cut off');
  assert.equal(cutOff.length, 1);
  assert.equal(cutOff[0]?.export, 'ledger');
  assert.equal(cutOff[0]?.level, 'error');
});
