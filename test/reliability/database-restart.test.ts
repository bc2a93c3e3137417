// The database restarts while webhooks arrive: deliveries during the outage get 5xx and are retried,
// the server reconnects by itself (no restart of its own), and every payment is credited exactly once.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import { createJsonLogger } from '../../server/http/logger.ts';
import {
  findFreePort,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../../server/ledger/embedded-postgres.ts';
import { applyMigrations } from '../../server/ledger/migrations.ts';
import { startNodeServer } from '../../server/start-node-server.ts';
import { startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { assertNoSecrets, report, size, startCheckoutsOverHttp } from '../support/reliability.ts';
import { eventually } from '../support/server-harness.ts';
import { createTenant, ledgerInvariants } from '../support/tenants.ts';
import { testServerConfig } from '../support/test-server-env.ts';

test('a database restart under load: 5xx during the outage, then every payment credited once', async () => {
  const payments = size(30, 120);
  const restarts = size(2, 4);
  const dir = await mkdtemp(path.join(tmpdir(), 'credit-topup-restart-'));
  await chmod(dir, 0o755);
  const clusterOptions = { dataDir: path.join(dir, 'data'), port: await findFreePort(), fast: true };
  let cluster: RunningPostgres = await startEmbeddedPostgres(clusterOptions);
  await applyMigrations(cluster.url);
  const sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  const sandbox = await startStripeSandbox({
    webhookRetryBaseMs: 100,
    webhookMaxRetryDelayMs: 500,
    webhookMaxAttempts: 80,
  });
  const logs: string[] = [];
  const server = await startNodeServer(
    testServerConfig({
      databaseUrl: cluster.url,
      sandbox,
      env: { DATABASE_CALL_TIMEOUT_MS: '3000', STRIPE_TIMEOUT_MS: '3000', CHECKOUT_RATE_LIMIT: '10000' },
    }),
    { logger: createJsonLogger((line) => logs.push(line)) },
  );
  const { url } = server;
  sandbox.setWebhookUrl(`${url}/v1/stripe/webhook`);

  try {
    const tenants = await Promise.all(Array.from({ length: 5 }, () => createTenant(sql)));
    const sessions = await startCheckoutsOverHttp(url, tenants, payments);
    await sql.end();

    const paceMs = (restarts * 2000) / payments;
    const paying = (async () => {
      for (const session of sessions) {
        sandbox.account.checkoutSessions.pay(session.sessionId, { type: 'card', number: '4242424242424242' });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * paceMs));
      }
    })();
    let notReadyDuringOutage = 0;
    for (let restart = 0; restart < restarts; restart++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 500));
      await cluster.stop();
      if ((await fetch(`${url}/readyz`)).status === 503) notReadyDuringOutage++;
      await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 500));
      cluster = await startEmbeddedPostgres(clusterOptions);
    }
    await paying;
    await sandbox.webhooks.idle(120_000);
    await eventually(
      'ready again without a restart of the server',
      async () => (await fetch(`${url}/readyz`)).status === 200,
    );

    const check = postgres(cluster.url, { max: 1, onnotice: () => {} });
    const rows = await check<{ session: string; credited: number; ledger_rows: number }[]>`
      select p.stripe_checkout_session_id as session, p.credited_credits as credited,
             (select count(*)::int from public.credit_ledger l where l.ref_id = p.id) as ledger_rows
        from public.credit_purchases p`;
    const bySession = new Map(rows.map((row) => [row.session, row]));
    for (const session of sessions) {
      assert.equal(bySession.get(session.sessionId)?.credited, session.credits);
      assert.equal(bySession.get(session.sessionId)?.ledger_rows, 1);
    }
    for (const tenant of tenants) {
      const invariants = await ledgerInvariants(check, tenant.tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger);
    }
    await check.end();
    const statuses = sandbox.webhooks.deliveries.flatMap((delivery) => delivery.statuses);
    assert.equal(notReadyDuringOutage, restarts, '/readyz said 503 during every outage');
    assertNoSecrets(logs, 'server logs');
    const expected = sessions.reduce((sum, session) => sum + session.credits, 0);
    report('database restart under load', {
      payments: sessions.length,
      deliveries_sent: statuses.length,
      failed_attempts: statuses.filter((status) => status !== 200).length,
      answered_5xx: statuses.filter((status) => typeof status === 'number' && status >= 500).length,
      faults_injected: `${restarts} database restarts`,
      credits_expected: expected,
      credits_credited: rows.reduce((sum, row) => sum + row.credited, 0),
      invariant_checks: tenants.length,
    });
  } finally {
    await server.close();
    await sandbox.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
