// The history pages read the tenant's rows from the (tenant_id, created_at desc, id desc) indexes and
// stop after one page: no sort of the tenant's rows, however many there are. The plans are the ones the
// functions really run (auto_explain logs the statements nested in them).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { seedManyHistoryRows } from '../support/history-seed.ts';
import { createTenant, type TestTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';

after(stopOwnTestCluster);

const ROWS = 20_000;

describe('history query plans', () => {
  let database: TestDatabase;
  let tenant: TestTenant;

  before(async () => {
    database = await createTestDatabase();
    tenant = await createTenant(database.sql, 'Mandant Viele');
    await seedManyHistoryRows(database.sql, tenant, ROWS);
    await seedManyHistoryRows(database.sql, await createTenant(database.sql, 'Mandant Nebenan'), ROWS / 4);
  });
  after(() => database.drop());

  /** The plans auto_explain logs for the statements `call` runs, nested ones included. */
  async function plansOf(call: (sql: postgres.Sql) => Promise<unknown>): Promise<string> {
    const plans: string[] = [];
    // One connection of its own, whose notices are the plans.
    const connection = postgres(database.url, {
      max: 1,
      onnotice: (notice) => plans.push(notice.message ?? ''),
    });
    try {
      await connection.unsafe(`load 'auto_explain'`);
      await connection.unsafe(`set auto_explain.log_min_duration = 0`);
      await connection.unsafe(`set auto_explain.log_nested_statements = on`);
      await connection.unsafe(`set auto_explain.log_analyze = on`);
      await connection.unsafe(`set client_min_messages = log`);
      await call(connection);
    } finally {
      await connection.end();
    }
    return plans.join('\n');
  }

  for (const [fn, table] of [
    ['credit_topup_purchase_history', 'credit_purchases'],
    ['credit_topup_ledger_history', 'credit_ledger'],
  ] as const) {
    test(`${fn}: the first and a deep page are index scans that read one page of rows, no sort`, async () => {
      const [deep] = await database.sql<{ created_at: string; id: string }[]>`
        select created_at::text, id from ${database.sql(`public.${table}`)} where tenant_id = ${tenant.tenantId}
         order by created_at desc, id desc offset ${ROWS - 200} limit 1`;
      const plans = await plansOf(async (sql) => {
        await sql`select public.${sql(fn)}(${tenant.userId}, 51) as page`;
        await sql`select public.${sql(fn)}(${tenant.userId}, 51, ${deep!.created_at}::timestamptz, ${deep!.id}::uuid) as page`;
      });
      const scans = plans.match(
        new RegExp(`Index Scan using ${table}_tenant_created_id_idx[^\\n]*rows=(\\d+)`, 'g'),
      );
      assert.equal(scans?.length, 2, plans);
      for (const scan of scans) assert.match(scan, /actual time=[^)]*rows=51$/, 'stops after one page');
      assert.doesNotMatch(plans, new RegExp(`Seq Scan on ${table}|Sort Method`), plans);
    });
  }
});
