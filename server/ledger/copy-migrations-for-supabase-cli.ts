// Writes our migrations into a Supabase project's supabase/migrations/ for `supabase db push`. The CLI
// orders files by the 14-digit UTC timestamp that starts their names and refuses a file older than the
// newest migration already applied ("Found local migration files to be inserted before the last
// migration on remote database"), so no fixed name of ours can work in a project that keeps migrating:
// each file gets a fresh timestamp, later than every file already there and than now, one second apart
// in our order. Files already copied (known by their first line, see supabase-cli-history.ts) are left
// as they are; only newer migrations of ours are added after them.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR, readMigrationFiles } from './migrations.ts';
import { markedOriginal, markerLine, supabaseCliName } from './supabase-cli-history.ts';

export interface CopyReport {
  /** File names written into the folder, in the order the CLI applies them. */
  written: string[];
  /** Our migrations found there already (`<version>_<name>`). */
  alreadyThere: string[];
}

const VERSION = /^(\d+)_/;

export async function copyMigrationsForSupabaseCli(
  targetDir: string,
  options: { sourceDir?: string; now?: Date } = {},
): Promise<CopyReport> {
  const ours = await readMigrationFiles(options.sourceDir ?? MIGRATIONS_DIR);
  const present = new Set<string>();
  let newest: bigint | null = null;
  for (const fileName of (await readdir(targetDir)).filter((name) => name.endsWith('.sql'))) {
    const version = VERSION.exec(fileName)?.[1];
    if (version && (newest === null || BigInt(version) > newest)) newest = BigInt(version);
    const original = markedOriginal(await readFile(path.join(targetDir, fileName), 'utf8'));
    if (original) present.add(original);
  }

  const report: CopyReport = { written: [], alreadyThere: [] };
  let next = laterTimestamp(newest, options.now ?? new Date());
  for (const file of ours) {
    const original = `${file.version}_${file.name}`;
    if (present.has(original)) {
      report.alreadyThere.push(original);
      continue;
    }
    const fileName = `${next}_${supabaseCliName(file)}.sql`;
    // 'wx': never overwrite anything of the project's.
    await writeFile(path.join(targetDir, fileName), `${markerLine(file)}\n${file.sql}`, { flag: 'wx' });
    report.written.push(fileName);
    next = laterTimestamp(BigInt(next), new Date(0));
  }
  return report;
}

/** The CLI's YYYYMMDDHHMMSS (UTC) of `now`, or one second after `after` when that is not earlier. */
function laterTimestamp(after: bigint | null, now: Date): string {
  const candidate = cliTimestamp(now);
  if (after === null || BigInt(candidate) > after) return candidate;
  const digits = after.toString().padStart(14, '0');
  const asDate = new Date(
    `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T` +
      `${digits.slice(8, 10)}:${digits.slice(10, 12)}:${digits.slice(12, 14)}Z`,
  );
  // A version that is no date (another tool's numbering) is simply counted on.
  if (digits.length !== 14 || Number.isNaN(asDate.getTime()) || cliTimestamp(asDate) !== digits) {
    return (after + 1n).toString();
  }
  return cliTimestamp(new Date(asDate.getTime() + 1000));
}

function cliTimestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}
