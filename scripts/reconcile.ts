// `npm run reconcile [-- --since 7d] [--dry-run]`: credits paid Checkout Sessions and automatic top-up
// payments whose webhook never arrived (or whose recording a crash lost). Reads the same configuration as the server (.env, DATABASE_URL / SUPABASE_URL, Stripe keys).

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { reconcileRechargePayments } from '../server/auto-recharge/reconcile-recharges.ts';
import { ConfigError, readConfig, type ServerConfig } from '../server/config.ts';
import { EMBEDDED_DATA_DIR, EMBEDDED_PORT } from '../server/ledger/embedded-defaults.ts';
import { openCreditStore } from '../server/ledger/open-credit-store.ts';
import { reconcileCheckoutSessions } from '../server/purchases/reconcile.ts';
import { createStripeClient } from '../server/stripe/stripe-client.ts';

const { values } = parseArgs({
  options: { since: { type: 'string', default: '7d' }, 'dry-run': { type: 'boolean', default: false } },
});
if (existsSync('.env')) process.loadEnvFile('.env');

let config: ServerConfig;
try {
  config = readConfig(process.env, { embeddedDataDir: EMBEDDED_DATA_DIR, embeddedPort: EMBEDDED_PORT });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
const ledger = await openCreditStore(config.ledger);
try {
  const stripe = createStripeClient(config.stripe);
  const options = { sinceSeconds: parseSince(values.since!), dryRun: values['dry-run']! };
  const rows = await reconcileCheckoutSessions({ stripe, store: ledger.store }, options);
  console.table(rows.filter((row) => row.action !== 'not_ours'));
  const count = (action: string) => rows.filter((row) => row.action === action).length;
  console.log(
    `${rows.length} sessions since ${values.since}: ${count('credited')} credited now, ` +
      `${count('would_credit')} would be credited, ${count('already_credited')} already credited, ` +
      `${count('unpaid')} unpaid, ${count('not_ours')} not ours`,
  );
  // Automatic top-ups are paid without Checkout: their PaymentIntents, found by the metadata they carry.
  const recharges = await reconcileRechargePayments(
    { stripe, store: ledger.store, retryBaseSeconds: config.autoRecharge.retryBaseSeconds },
    options,
  );
  if (recharges.length) console.table(recharges);
  const recharged = (action: string) => recharges.filter((row) => row.action === action).length;
  console.log(
    `${recharges.length} automatic top-up payments since ${values.since}: ${recharged('credited')} credited now, ` +
      `${recharged('would_credit')} would be credited, ${recharged('recorded_failure')} failures recorded now`,
  );
} catch (error) {
  console.error(`reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await ledger.close();
}
process.exit(process.exitCode ?? 0);

/** "7d", "12h", "30m" or seconds → seconds; Stripe keeps sessions for 30 days. */
function parseSince(value: string): number {
  const match = /^(\d+)([dhm]?)$/.exec(value.trim());
  if (!match) throw new Error(`--since takes a duration like 7d, 12h or 30m, not ${value}`);
  const amount = Number(match[1]);
  return amount * ({ d: 86400, h: 3600, m: 60, '': 1 } as Record<string, number>)[match[2]!]!;
}
