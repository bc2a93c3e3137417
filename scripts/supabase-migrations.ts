// `npm run supabase:migrations -- <the portal's supabase/migrations folder>`: writes our migrations
// there under fresh Supabase CLI names (server/ledger/copy-migrations-for-supabase-cli.ts), for
// `supabase db push`. Run it again after updating credit-topup: it adds only what is new.

import path from 'node:path';
import { copyMigrationsForSupabaseCli } from '../server/ledger/copy-migrations-for-supabase-cli.ts';

const target = process.argv[2];
if (!target) {
  console.error('usage: npm run supabase:migrations -- <path to your project>/supabase/migrations');
  process.exit(2);
}
// npm runs scripts in this package's folder; a relative path means one from where npm was called.
const targetDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), target);
try {
  const report = await copyMigrationsForSupabaseCli(targetDir);
  for (const fileName of report.written) console.log(`wrote ${path.join(targetDir, fileName)}`);
  console.log(
    `supabase migrations: ${report.written.length} written, ${report.alreadyThere.length} already there`,
  );
  if (report.written.length > 0) console.log('next: supabase db push (or supabase db push --db-url …)');
} catch (error) {
  console.error(`supabase:migrations failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
