import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { applyMigrations, MIGRATIONS_DIR, readMigrationFiles } from '../../server/ledger/migrations.ts';
import { catalogSnapshot } from '../support/catalog-snapshot.ts';
import { createTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster } from '../support/test-database.ts';

const PORTAL_SCHEMA = new URL('../support/portal-existing-schema.sql', import.meta.url);

after(stopOwnTestCluster);

describe('migrations', () => {
  test('apply to an empty database, record what they applied, and a second run applies nothing', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      const first = await applyMigrations(database.url);
      const files = await readMigrationFiles();
      assert.deepEqual(
        first.applied,
        files.map((file) => `${file.version}_${file.name}`),
      );

      const recorded =
        await database.sql`select version from public.credit_topup_schema_migrations order by version`;
      assert.deepEqual(
        recorded.map((row) => row.version),
        files.map((file) => file.version),
      );

      for (const table of [
        'organizations',
        'profiles',
        'memberships',
        'tenant_credit_balance',
        'credit_ledger',
        'armstrong_billing_events',
        'credit_purchases',
        'stripe_webhook_events',
      ]) {
        const [row] = await database.sql`select to_regclass(${`public.${table}`}) is not null as present`;
        assert.equal(row!.present, true, `${table} exists`);
      }
      for (const signature of [
        'rpc_credit_preflight(uuid,integer,text)',
        'rpc_credit_deduct(uuid,integer,text,text,uuid,uuid)',
        'rpc_credit_topup(uuid,integer,text,uuid)',
      ]) {
        const [row] =
          await database.sql`select to_regprocedure(${`public.${signature}`}) is not null as present`;
        assert.equal(row!.present, true, `${signature} exists`);
      }

      const before = await catalogSnapshot(database.sql);
      const second = await applyMigrations(database.url);
      assert.deepEqual(second.applied, []);
      assert.equal(second.alreadyApplied.length, files.length);
      assert.deepEqual(await catalogSnapshot(database.sql), before);
    } finally {
      await database.drop();
    }
  });

  test('each migration file run again by hand (as supabase db push might) changes nothing', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      await applyMigrations(database.url);
      const before = await catalogSnapshot(database.sql);
      for (const file of await readMigrationFiles()) {
        await database.sql.begin((tx) => tx.unsafe(file.sql).simple());
      }
      assert.deepEqual(await catalogSnapshot(database.sql), before);
    } finally {
      await database.drop();
    }
  });

  test("leave the portal's existing objects exactly as they were, and crediting works on top of them", async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      await database.sql.begin(async (tx) => tx.unsafe(await readFile(PORTAL_SCHEMA, 'utf8')).simple());
      const portal = await catalogSnapshot(database.sql);

      await applyMigrations(database.url);
      const migrated = await catalogSnapshot(database.sql);
      const changed = [...portal].filter(([key, value]) => migrated.get(key) !== value).map(([key]) => key);
      assert.deepEqual(changed, [], 'no portal object changed');

      // The portal's rpc_credit_topup is still the non-idempotent one ...
      const tenant = await createTenant(database.sql);
      const claims = JSON.stringify({ sub: tenant.userId, role: 'service_role' });
      for (let call = 0; call < 2; call++) {
        await database.sql.begin(async (tx) => {
          await tx`select set_config('request.jwt.claims', ${claims}, true)`;
          await tx`select public.rpc_credit_topup(${tenant.tenantId}, 10, 'manual', null)`;
        });
      }
      const [afterManual] =
        await database.sql`select balance_credits from public.tenant_credit_balance where tenant_id = ${tenant.tenantId}`;
      assert.equal(afterManual!.balance_credits, 120, 'the portal function credits on every call, as before');

      // ... and our fulfilment through it credits once and gives the ledger row the paying user.
      const [opened] = await database.sql`
        select public.credit_topup_open_purchase(${tenant.tenantId}, ${tenant.userId}, 'standard', 100, 2500, 'eur') as result`;
      const purchaseId = opened!.result.purchase.id as string;
      await database.sql`select public.credit_topup_attach_checkout_session(${purchaseId}, 'cs_test_portal', null)`;
      for (let delivery = 0; delivery < 3; delivery++) {
        await database.sql`select public.credit_topup_fulfil_checkout_session('cs_test_portal', 2500, 'eur')`;
      }
      const [afterPurchase] =
        await database.sql`select balance_credits from public.tenant_credit_balance where tenant_id = ${tenant.tenantId}`;
      assert.equal(afterPurchase!.balance_credits, 220);
      const [ledger] =
        await database.sql`select user_id from public.credit_ledger where ref_id = ${purchaseId}`;
      assert.equal(ledger!.user_id, tenant.userId);
    } finally {
      await database.drop();
    }
  });

  test('an applied migration that was edited afterwards stops the run with a message naming it', async () => {
    const database = await createTestDatabase({ empty: true });
    const dir = await mkdtemp(path.join(tmpdir(), 'credit-topup-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await applyMigrations(database.url, { dir });
      const edited = path.join(dir, '0003_credit_purchases.sql');
      await writeFile(edited, `${await readFile(edited, 'utf8')}\n-- edited ${randomUUID()}\n`);
      await assert.rejects(
        applyMigrations(database.url, { dir }),
        /0003_credit_purchases was changed after it was applied/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await database.drop();
    }
  });

  test('concurrent migrators of one database apply each file once', async () => {
    const database = await createTestDatabase({ empty: true });
    try {
      const reports = await Promise.all([
        applyMigrations(database.url),
        applyMigrations(database.url),
        applyMigrations(database.url),
      ]);
      const files = await readMigrationFiles();
      assert.equal(
        reports.reduce((sum, report) => sum + report.applied.length, 0),
        files.length,
      );
    } finally {
      await database.drop();
    }
  });
});
