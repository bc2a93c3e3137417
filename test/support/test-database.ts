// Real PostgreSQL for tests. `npm test` starts one throwaway cluster and migrates a template database
// once (scripts/run-tests.ts); every test file then gets its own database copied from that template.
// A test file run on its own starts a cluster of its own the same way.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../server/ledger/embedded-postgres.ts';
import { applyMigrations } from '../../server/ledger/migrations.ts';

export const TEMPLATE_DATABASE = 'credit_topup_template';

export interface TestCluster {
  /** URL of the cluster's maintenance database; other databases via urlFor. */
  maintenanceUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** Starts a throwaway cluster with a migrated template database. */
export async function startTestCluster(): Promise<TestCluster> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'credit-topup-pg-'));
  // mkdtemp makes it private to root; the server runs as the unprivileged `postgres` user.
  await chmod(dataDir, 0o755);
  const running = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'data'),
    database: TEMPLATE_DATABASE,
    persistent: false,
    fast: true,
  });
  await applyMigrations(running.url);
  return {
    maintenanceUrl: running.urlFor('postgres'),
    urlFor: running.urlFor,
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let ownCluster: Promise<TestCluster> | undefined;

function clusterUrls(): Promise<Pick<TestCluster, 'maintenanceUrl' | 'urlFor'>> {
  const shared = process.env.TEST_POSTGRES_URL;
  if (shared) {
    const base = new URL(shared);
    return Promise.resolve({
      maintenanceUrl: shared,
      urlFor: (database: string) => {
        const url = new URL(base);
        url.pathname = `/${encodeURIComponent(database)}`;
        return url.toString();
      },
    });
  }
  ownCluster ??= startTestCluster();
  return ownCluster;
}

/** Stops the cluster this process started for itself, if any (call from `after`). */
export async function stopOwnTestCluster(): Promise<void> {
  if (ownCluster) await (await ownCluster).stop();
  ownCluster = undefined;
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A superuser connection, for arranging data and reading results. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

let counter = 0;

/** A new database: migrated (copied from the template) unless `empty`. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const cluster = await clusterUrls();
  const name = `test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await createDatabaseIfMissing(
    cluster.maintenanceUrl,
    name,
    options.empty ? 'template0' : TEMPLATE_DATABASE,
  );
  const url = cluster.urlFor(name);
  const sql = postgres(url, { max: 20, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const admin = postgres(cluster.maintenanceUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
