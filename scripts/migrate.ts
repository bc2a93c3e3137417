// `npm run migrate`: applies supabase/migrations to DATABASE_URL (or to the embedded database in .data/
// when DATABASE_URL is not set, which is what `npm run demo` and `npm start` use).

import { EMBEDDED_DATA_DIR, EMBEDDED_PORT } from '../server/ledger/embedded-defaults.ts';
import { startEmbeddedPostgres } from '../server/ledger/embedded-postgres.ts';
import { applyMigrations } from '../server/ledger/migrations.ts';

const databaseUrl = process.env.DATABASE_URL || null;
const embedded = databaseUrl
  ? null
  : await startEmbeddedPostgres({ dataDir: EMBEDDED_DATA_DIR, port: EMBEDDED_PORT });
try {
  const report = await applyMigrations(databaseUrl ?? embedded!.url, { log: (line) => console.log(line) });
  console.log(
    `migrations: ${report.applied.length} applied, ${report.alreadyApplied.length} already applied` +
      (embedded ? ' (embedded database in .data/)' : ''),
  );
} catch (error) {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await embedded?.stop();
}
// Explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
process.exit(process.exitCode ?? 0);
