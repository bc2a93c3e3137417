// The server process is SIGKILLed at random moments while Stripe's webhooks are being processed, then
// restarted; the sandbox keeps retrying like Stripe. Every paid session must end credited exactly once.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { findFreePort } from '../../server/ledger/embedded-postgres.ts';
import { startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { type RunningChild, startChild } from '../support/child-processes.ts';
import { assertNoSecrets, report, size, startCheckoutsOverHttp } from '../support/reliability.ts';
import { eventually } from '../support/server-harness.ts';
import { createTenant, ledgerInvariants } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster } from '../support/test-database.ts';
import { testServerEnv } from '../support/test-server-env.ts';

after(stopOwnTestCluster);

test('SIGKILL of the server during webhook processing loses and doubles nothing', async () => {
  const payments = size(24, 150);
  const kills = size(4, 15);
  const database = await createTestDatabase();
  const sandbox = await startStripeSandbox({
    webhookRetryBaseMs: 50,
    webhookMaxRetryDelayMs: 400,
    webhookMaxAttempts: 60,
    webhookTimeoutMs: 3000,
  });
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  sandbox.setWebhookUrl(`${url}/v1/stripe/webhook`);
  const logs: string[] = [];
  let server: RunningChild | null = null;

  const startServer = async () => {
    const child = startChild(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        ...testServerEnv({
          databaseUrl: database.url,
          sandbox,
          env: { PORT: String(port), CHECKOUT_RATE_LIMIT: '10000' },
        }),
      },
    });
    server = child;
    await eventually('server up', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 30_000);
  };
  const killServer = async () => {
    const child = server!;
    await child.stop({ signal: 'SIGKILL' });
    logs.push(child.output());
  };

  try {
    await startServer();
    // Customers start checkouts while the server is up.
    const tenants = await Promise.all(Array.from({ length: 6 }, () => createTenant(database.sql)));
    const sessions = await startCheckoutsOverHttp(url, tenants, payments);

    // Payments spread over the whole time the killer is at work, so that deliveries meet a dead server,
    // a starting one, and one killed in the middle of a request.
    const paceMs = (kills * 1500) / payments;
    const paying = (async () => {
      for (const session of sessions) {
        assert.ok(
          sandbox.account.checkoutSessions.pay(session.sessionId, {
            type: 'card',
            number: '4242424242424242',
          }).ok,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * paceMs));
      }
    })();
    for (let kill = 0; kill < kills; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 350));
      await killServer();
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 200));
      await startServer();
    }
    await paying;
    // Stripe also redelivers some events that already succeeded.
    const resent = sandbox.account.events.filter(() => Math.random() < 0.2);
    for (const event of resent) sandbox.webhooks.resend(event);
    await sandbox.webhooks.idle(120_000);

    const deliveries = sandbox.webhooks.deliveries;
    assert.ok(
      deliveries.every((delivery) => delivery.delivered),
      'every event delivered in the end',
    );
    const rows = await database.sql<{ session: string; credited: number; ledger_rows: number }[]>`
      select p.stripe_checkout_session_id as session, p.credited_credits as credited,
             (select count(*)::int from public.credit_ledger l where l.ref_id = p.id) as ledger_rows
        from public.credit_purchases p where p.stripe_checkout_session_id is not null`;
    const bySession = new Map(rows.map((row) => [row.session, row]));
    for (const session of sessions) {
      assert.equal(
        bySession.get(session.sessionId)?.credited,
        session.credits,
        `${session.sessionId} credited`,
      );
      assert.equal(bySession.get(session.sessionId)?.ledger_rows, 1, `${session.sessionId} credited once`);
    }
    let invariantChecks = 0;
    for (const tenant of tenants) {
      const invariants = await ledgerInvariants(database.sql, tenant.tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger);
      assert.equal(invariants.lifetimePurchased, invariants.creditedByPurchases);
      invariantChecks += 2;
    }
    assertNoSecrets([...logs, (server as RunningChild | null)?.output() ?? ''], 'server logs');
    const expected = sessions.reduce((sum, session) => sum + session.credits, 0);
    const credited = rows.reduce((sum, row) => sum + row.credited, 0);
    assert.equal(credited, expected);
    report('crash (SIGKILL of the server)', {
      payments: sessions.length,
      deliveries_sent: deliveries.reduce((sum, delivery) => sum + delivery.attempts, 0),
      failed_attempts: deliveries.reduce(
        (sum, delivery) => sum + delivery.statuses.filter((status) => status !== 200).length,
        0,
      ),
      duplicates: resent.length,
      faults_injected: `${kills} SIGKILLs`,
      credits_expected: expected,
      credits_credited: credited,
      invariant_checks: invariantChecks,
    });
  } finally {
    await (server as RunningChild | null)?.stop({ signal: 'SIGKILL' });
    await sandbox.close();
    await database.drop();
  }
});
