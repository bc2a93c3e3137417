import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { creditPackages } from '../../credit-packages.ts';
import { reconcileCheckoutSessions } from '../../server/purchases/reconcile.ts';
import { assertNoSecrets, report, size } from '../support/reliability.ts';
import { startCheckout, startTestServer } from '../support/server-harness.ts';
import { ledgerInvariants } from '../support/tenants.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

test('lost webhooks: reconcile credits exactly the payments whose news never arrived', async () => {
  const payments = size(40, 200);
  const server = await startTestServer({ sandbox: { webhookDropRate: 0.3 } });
  try {
    const customers = await Promise.all(Array.from({ length: 4 }, () => server.newCustomer()));
    const sessions = [];
    for (let index = 0; index < payments; index++) {
      const creditPackage = creditPackages[index % creditPackages.length]!;
      const session = await startCheckout(server, customers[index % customers.length]!, creditPackage.id);
      assert.ok(
        server.sandbox.account.checkoutSessions.pay(session.id, { type: 'card', number: '4242424242424242' })
          .ok,
      );
      sessions.push({ id: session.id, credits: creditPackage.credits });
    }
    // One more session of another app on the same Stripe account, and one nobody paid.
    await startCheckout(server, customers[0]!, 'starter');
    await server.sandbox.webhooks.idle();

    const creditedBefore = await server.database.sql<{ session: string }[]>`
      select stripe_checkout_session_id as session from public.credit_purchases where credited_credits > 0`;
    const missing = sessions.filter((session) => !creditedBefore.some((row) => row.session === session.id));
    assert.ok(missing.length > 0, 'some webhooks were lost');

    const dryRun = await reconcileCheckoutSessions(
      { stripe: server.stripe, store: server.store },
      { sinceSeconds: 3600, dryRun: true },
    );
    assert.equal(dryRun.filter((row) => row.action === 'would_credit').length, missing.length);
    const afterDryRun = await server.database
      .sql`select count(*)::int as count from public.credit_purchases where credited_credits > 0`;
    assert.equal(afterDryRun[0]!.count, creditedBefore.length, 'a dry run changes nothing');

    const rows = await reconcileCheckoutSessions(
      { stripe: server.stripe, store: server.store },
      { sinceSeconds: 3600, dryRun: false },
    );
    assert.deepEqual(
      rows
        .filter((row) => row.action === 'credited')
        .map((row) => row.session)
        .sort(),
      missing.map((session) => session.id).sort(),
    );
    assert.equal(rows.filter((row) => row.action === 'unpaid').length, 1);
    const again = await reconcileCheckoutSessions(
      { stripe: server.stripe, store: server.store },
      { sinceSeconds: 3600, dryRun: false },
    );
    assert.equal(again.filter((row) => row.action === 'credited').length, 0, 'a second run credits nothing');

    const ledger = await server.database.sql<{ rows: number }[]>`
      select count(*)::int as rows from public.credit_ledger group by ref_id having count(*) > 1`;
    assert.equal(ledger.length, 0, 'no purchase has two ledger rows');
    for (const customer of customers) {
      const invariants = await ledgerInvariants(server.database.sql, customer.tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger);
    }
    const expected = sessions.reduce((sum, session) => sum + session.credits, 0);
    const { credited } = (
      await server.database.sql`select sum(credited_credits)::int as credited from public.credit_purchases`
    )[0]!;
    assert.equal(credited, expected);
    assertNoSecrets(server.logs, 'server logs');
    report('lost webhooks + reconcile', {
      payments: sessions.length,
      deliveries_sent: server.sandbox.webhooks.deliveries.length,
      faults_injected: `${server.sandbox.webhooks.deliveries.filter((delivery) => delivery.statuses.includes('dropped')).length} deliveries dropped`,
      credited_by_webhook: creditedBefore.length,
      credited_by_reconcile: missing.length,
      credits_expected: expected,
      credits_credited: credited,
      invariant_checks: customers.length + 1,
    });
  } finally {
    await server.close();
  }
});

test('Stripe trouble on session creation: 500s, slow answers and hangs give 502 in bounded time and block no retry', async () => {
  const attempts = size(12, 60);
  const timeoutMs = 300;
  const server = await startTestServer({
    deliverWebhooks: false,
    env: { STRIPE_TIMEOUT_MS: String(timeoutMs) },
  });
  try {
    const customer = await server.newCustomer();
    let unavailable = 0;
    let created = 0;
    let slowest = 0;
    const faults = { error: 0, delay: 0, hang: 0, none: 0 };
    for (let attempt = 0; attempt < attempts; attempt++) {
      const kind = (['error', 'delay', 'hang', 'none'] as const)[attempt % 4]!;
      faults[kind]++;
      // The SDK retries once with the same Stripe idempotency key: Stripe replays a kept 500 to that retry,
      // while a request that timed out has kept nothing, so its retry meets the next fault.
      if (kind === 'error') server.sandbox.injectFaults({ kind: 'error', status: 500 });
      if (kind === 'delay')
        server.sandbox.injectFaults(
          { kind: 'delay', ms: timeoutMs * 3 },
          { kind: 'delay', ms: timeoutMs * 3 },
        );
      if (kind === 'hang') server.sandbox.injectFaults({ kind: 'hang' }, { kind: 'hang' });
      const key = `trouble-${randomUUID()}`;
      const started = Date.now();
      const response = await server.api('/v1/checkout-sessions', {
        method: 'POST',
        token: customer.token,
        headers: { 'Idempotency-Key': key },
        body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
      });
      const elapsed = Date.now() - started;
      slowest = Math.max(slowest, elapsed);
      const body = (await response.json()) as { error?: { code: string } };
      if (kind === 'none') {
        assert.equal(response.status, 201);
        created++;
      } else {
        assert.equal(response.status, 502, `${kind}: ${JSON.stringify(body)}`);
        assert.equal(body.error?.code, 'stripe_unavailable');
        unavailable++;
        assert.ok(elapsed < timeoutMs * 2 + 2000, `${kind} answered within the bound (${elapsed} ms)`);
        // Nothing left behind blocks the same click once Stripe is back.
        const retried = await server.api('/v1/checkout-sessions', {
          method: 'POST',
          token: customer.token,
          headers: { 'Idempotency-Key': key },
          body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
        });
        assert.equal(retried.status, 201, `${kind}: the retry succeeds`);
        created++;
      }
    }
    const purchases = await server.database.sql`
      select count(*)::int as count, count(stripe_checkout_session_id)::int as attached from public.credit_purchases where user_id = ${customer.userId}`;
    assert.equal(purchases[0]!.count, attempts, 'one purchase per Idempotency-Key');
    assert.equal(purchases[0]!.attached, attempts, 'each with its session');
    report('Stripe trouble on checkout creation', {
      requests: attempts,
      faults_injected: `${faults.error} × 500, ${faults.delay} × slow, ${faults.hang} × hang`,
      answered_502: unavailable,
      sessions_created: created,
      slowest_answer_ms: slowest,
    });
  } finally {
    await server.close();
  }
});
