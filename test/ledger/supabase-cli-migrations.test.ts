// Our migrations in the portal's own Supabase project: `npm run supabase:migrations -- <folder>` writes
// them there under fresh CLI names, and the real Supabase CLI (npm package `supabase`) pushes them with
// `supabase db push --db-url …` onto a database that holds the portal's objects and a migration history
// newer than any fixed name we could choose. No Docker: the CLI talks to the test cluster directly.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { applyMigrations, readMigrationFiles } from '../../server/ledger/migrations.ts';
import { catalogSnapshot } from '../support/catalog-snapshot.ts';
import { balanceOf, createTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster } from '../support/test-database.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUPABASE_CLI = path.join(ROOT, 'node_modules/.bin/supabase');
const PORTAL_SCHEMA = new URL('../support/portal-existing-schema.sql', import.meta.url);
const PORTAL_NEWEST = '20260101000000';
const CLI_NAME = /^(\d{14})_credit_topup_(\d{4})_([a-z0-9_]+)\.sql$/;

after(stopOwnTestCluster);

/** A portal project folder whose supabase/migrations holds the portal's own newest migration. */
async function portalProject(): Promise<{ dir: string; migrations: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'credit-topup-portal-'));
  const migrations = path.join(dir, 'supabase', 'migrations');
  await mkdir(migrations, { recursive: true });
  await writeFile(path.join(migrations, `${PORTAL_NEWEST}_portal_latest.sql`), 'select 1;\n');
  return { dir, migrations, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `npm run supabase:migrations -- <folder>`, run from the folder's project, with a relative path. */
async function copyMigrations(projectDir: string): Promise<string> {
  const { stdout } = await run(
    'npm',
    ['--prefix', ROOT, 'run', '--silent', 'supabase:migrations', '--', 'supabase/migrations'],
    { cwd: projectDir },
  );
  return stdout;
}

async function supabaseDbPush(projectDir: string, databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  url.searchParams.set('sslmode', 'disable');
  const { stdout, stderr } = await run(SUPABASE_CLI, ['db', 'push', '--db-url', url.toString(), '--yes'], {
    cwd: projectDir,
    timeout: 120_000,
    // Nothing of the CLI's own (telemetry, update checks, its ~/.supabase) leaves the test's folder.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: projectDir,
      DO_NOT_TRACK: '1',
      SUPABASE_TELEMETRY_DISABLED: '1',
      SUPABASE_NO_UPDATE_NOTIFIER: '1',
    },
  });
  return stdout + stderr;
}

const sqlFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();

describe('migrations for the Supabase CLI', () => {
  test('are written under fresh names, newer than every file there, and only once', async () => {
    const project = await portalProject();
    try {
      // A file of the portal's dated far ahead: ours still come after it.
      await writeFile(path.join(project.migrations, '20991231235959_portal_future.sql'), 'select 1;\n');
      const startedAt = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const ours = await readMigrationFiles();

      const output = await copyMigrations(project.dir);
      const written = (await sqlFiles(project.migrations)).filter((name) => CLI_NAME.test(name));
      assert.deepEqual(
        written.map((name) => CLI_NAME.exec(name)!.slice(2).join('_')),
        ours.map((file) => `${file.version}_${file.name}`),
        'every file of ours, in our order',
      );
      const versions = written.map((name) => CLI_NAME.exec(name)![1]!);
      assert.ok(versions[0]! > '20991231235959' && versions[0]! > startedAt, 'newer than everything there');
      for (let index = 1; index < versions.length; index++) {
        assert.ok(versions[index]! > versions[index - 1]!, 'strictly increasing');
      }
      for (const [index, name] of written.entries()) {
        const text = await readFile(path.join(project.migrations, name), 'utf8');
        assert.ok(text.endsWith(ours[index]!.sql), `${name} holds our file unchanged`);
      }
      assert.match(output, new RegExp(`${ours.length} written, 0 already there`));

      // Recognised by their first line, not by their names: renamed copies are still ours.
      const renamed = written[0]!.replace(/^\d{14}/, '20270101000000');
      await rename(path.join(project.migrations, written[0]!), path.join(project.migrations, renamed));
      const before = await sqlFiles(project.migrations);
      assert.match(await copyMigrations(project.dir), new RegExp(`0 written, ${ours.length} already there`));
      assert.deepEqual(await sqlFiles(project.migrations), before);
    } finally {
      await project.remove();
    }
  });

  test('`supabase db push` applies them onto the portal without --include-all, once; `npm run migrate` then applies nothing', async () => {
    const database = await createTestDatabase({ empty: true });
    const project = await portalProject();
    try {
      await database.sql.begin(async (tx) => tx.unsafe(await readFile(PORTAL_SCHEMA, 'utf8')).simple());
      // The history table as the CLI creates it (its own statements), with the portal's newest migration.
      await database.sql.unsafe(`
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
        alter table supabase_migrations.schema_migrations add column if not exists statements text[];
        alter table supabase_migrations.schema_migrations add column if not exists name text;
        insert into supabase_migrations.schema_migrations (version, name, statements)
          values ('${PORTAL_NEWEST}', 'portal_latest', array['select 1']);`);
      const portal = await catalogSnapshot(database.sql);
      const ours = await readMigrationFiles();

      await copyMigrations(project.dir);
      const pushed = await supabaseDbPush(project.dir, database.url);
      assert.match(pushed, /Finished supabase db push/);

      const history = await database.sql<{ version: string; name: string }[]>`
        select version, name from supabase_migrations.schema_migrations order by version`;
      assert.deepEqual(
        history.map((row) => row.name),
        ['portal_latest', ...ours.map((file) => `credit_topup_${file.version}_${file.name}`)],
      );
      const migrated = await catalogSnapshot(database.sql);
      const changed = [...portal].filter(([key, value]) => migrated.get(key) !== value).map(([key]) => key);
      assert.deepEqual(changed, [], 'no object of the portal changed (0001 and 0002 are no-ops on it)');

      // The objects are there and credit exactly once, through the portal's own rpc_credit_topup.
      const tenant = await createTenant(database.sql);
      const [opened] = await database.sql`
        select public.credit_topup_open_purchase(${tenant.tenantId}, ${tenant.userId}, 'standard', 100, 2500, 'eur') as result`;
      const purchaseId = opened!.result.purchase.id as string;
      await database.sql`select public.credit_topup_attach_checkout_session(${purchaseId}, 'cs_test_cli', null)`;
      for (let delivery = 0; delivery < 3; delivery++) {
        await database.sql`select public.credit_topup_fulfil_checkout_session('cs_test_cli', 2500, 'eur')`;
      }
      assert.equal(await balanceOf(database.sql, tenant.tenantId), 200);

      // Nothing more to write, nothing more to push.
      const files = await sqlFiles(project.migrations);
      assert.match(await copyMigrations(project.dir), /0 written/);
      assert.deepEqual(await sqlFiles(project.migrations), files);
      assert.match(await supabaseDbPush(project.dir, database.url), /Remote database is up to date/);
      const [pushedTwice] = await database.sql<{ count: number }[]>`
        select count(*)::int as count from supabase_migrations.schema_migrations`;
      assert.equal(pushedTwice?.count, ours.length + 1);

      // Someone runs `npm run migrate` on the same database: it knows them as applied by the CLI.
      const settled = await catalogSnapshot(database.sql);
      const report = await applyMigrations(database.url);
      assert.deepEqual(report.applied, []);
      assert.equal(report.alreadyApplied.length, ours.length);
      const recorded = await database.sql`
        select version from public.credit_topup_schema_migrations order by version`;
      assert.deepEqual(
        recorded.map((row) => row.version),
        ours.map((file) => file.version),
      );
      const afterMigrate = await catalogSnapshot(database.sql);
      // Only the runner's own bookkeeping table is new.
      const differences = [...new Set([...settled.keys(), ...afterMigrate.keys()])].filter(
        (key) =>
          settled.get(key) !== afterMigrate.get(key) && !key.includes('credit_topup_schema_migrations'),
      );
      assert.deepEqual(differences, []);
      assert.deepEqual((await applyMigrations(database.url)).applied, []);
    } finally {
      await project.remove();
      await database.drop();
    }
  });
});
