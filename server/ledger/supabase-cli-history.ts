// How our migrations look in a Supabase project's own supabase/migrations/ and in the history the
// Supabase CLI keeps of what `supabase db push` applied (supabase_migrations.schema_migrations: version,
// name, statements). The CLI names a file `<version>_<name>.sql` and records both parts.

import type postgres from 'postgres';
import type { MigrationFile } from './migrations.ts';

type Named = Pick<MigrationFile, 'version' | 'name'>;

/** The name part of our file in the CLI's folder and history: credit_topup_0003_credit_purchases. */
export function supabaseCliName(file: Named): string {
  return `credit_topup_${file.version}_${file.name}`;
}

// The first line of each copy names our file: a later copy run knows it by that, whatever its timestamp.
const MARKER = /^-- credit-topup migration (\d+)_([a-z0-9_]+)\.sql /;

export function markerLine(file: Named): string {
  return `-- credit-topup migration ${file.version}_${file.name}.sql (written by npm run supabase:migrations; do not edit)`;
}

/** `<version>_<name>` of our file that a copy's text starts with, or null for any other file. */
export function markedOriginal(text: string): string | null {
  const [, version, name] = MARKER.exec(text) ?? [];
  return version && name ? `${version}_${name}` : null;
}

/** The names of our migrations that the Supabase CLI recorded as pushed to this database. */
export async function namesPushedBySupabaseCli(sql: postgres.Sql): Promise<Set<string>> {
  // No history table (never pushed to), or one from a CLI older than its name column: nothing of ours.
  const [history] = await sql<{ present: boolean }[]>`
    select exists (
      select 1 from pg_attribute
       where attrelid = to_regclass('supabase_migrations.schema_migrations')
         and attname = 'name' and not attisdropped
    ) as present`;
  if (!history?.present) return new Set();
  const rows = await sql<{ name: string }[]>`
    select name from supabase_migrations.schema_migrations where name like 'credit\\_topup\\_%'`;
  return new Set(rows.map((row) => row.name));
}
