// Applies supabase/migrations/*.sql in order, each in its own transaction, and records what was applied
// (with a checksum) in public.credit_topup_schema_migrations. The files are idempotent on their own too,
// so `supabase db push` can apply the same files with its own bookkeeping; what it recorded as pushed
// (npm run supabase:migrations names the copies) is taken as applied here and not run a second time.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { namesPushedBySupabaseCli, supabaseCliName } from './supabase-cli-history.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../supabase/migrations/', import.meta.url));

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

const FILE_NAME = /^(\d+)_([a-z0-9_]+)\.sql$/;
// Any constant shared by every migrator of this schema; serialises concurrent `npm run migrate`s.
const MIGRATION_LOCK_KEY = 727_001;

export async function readMigrationFiles(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (fileName) => {
      const [, version, name] = FILE_NAME.exec(fileName) ?? [];
      if (!version || !name) throw new Error(`migration file name ${fileName} is not <number>_<name>.sql`);
      const sql = await readFile(path.join(dir, fileName), 'utf8');
      return {
        version,
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

export async function applyMigrations(
  databaseUrl: string,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<MigrationReport> {
  const log = options.log ?? (() => {});
  const files = await readMigrationFiles(options.dir);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  try {
    // Held for the whole run: concurrent migrators (two deploys, a test) wait for each other.
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await sql`
      create table if not exists public.credit_topup_schema_migrations (
        version text primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    // On Supabase every public table is reachable through the REST API; with RLS and no policy it is not.
    await sql`alter table public.credit_topup_schema_migrations enable row level security`;
    const pushedBySupabaseCli = await namesPushedBySupabaseCli(sql);
    for (const file of files) {
      await sql.begin(async (tx) => {
        const [recorded] = await tx<{ checksum: string }[]>`
          select checksum from public.credit_topup_schema_migrations where version = ${file.version}`;
        if (recorded) {
          if (recorded.checksum !== file.checksum) {
            throw new Error(
              `migration ${file.version}_${file.name} was changed after it was applied; ` +
                'add a new migration instead of editing an applied one',
            );
          }
          report.alreadyApplied.push(`${file.version}_${file.name}`);
          return;
        }
        const pushed = pushedBySupabaseCli.has(supabaseCliName(file));
        if (!pushed) await tx.unsafe(file.sql).simple();
        await tx`
          insert into public.credit_topup_schema_migrations (version, name, checksum)
          values (${file.version}, ${file.name}, ${file.checksum})`;
        if (pushed) {
          report.alreadyApplied.push(`${file.version}_${file.name}`);
          log(`recorded migration ${file.version}_${file.name}, applied by supabase db push`);
          return;
        }
        report.applied.push(`${file.version}_${file.name}`);
        log(`applied migration ${file.version}_${file.name}`);
      });
    }
    // Supabase's default privileges give anon and authenticated everything on a new public table (TRUNCATE
    // included, which RLS does not stop). Taken back on every run (after 0001 made sure the roles exist),
    // so a database migrated before this line existed is closed too. The migration files revoke for their
    // own objects themselves: `supabase db push` applies them without this runner.
    await sql`revoke all on public.credit_topup_schema_migrations from public, anon, authenticated`;
  } finally {
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    await sql.end();
  }
  return report;
}
