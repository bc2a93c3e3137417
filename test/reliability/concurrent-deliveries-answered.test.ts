// Stripe's webhook sender under load: thousands of correctly signed deliveries at once, half of them
// duplicates of one paid session, the rest spread over other paid sessions, a few of them over the 1 MB
// limit, all sent over one pool of kept-alive connections as an HTTP client does. Every delivery must get
// an HTTP answer (a connection closed without one is a delivery Stripe has to retry blindly, and nothing
// in our logs would say why), and every session is credited exactly once.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import type Stripe from 'stripe';
import { creditPackages } from '../../credit-packages.ts';
import { signPayload } from '../../stripe-sandbox/webhook-sender.ts';
import { assertNoSecrets, report, size } from '../support/reliability.ts';
import {
  completedEventOf,
  startCheckout,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { ledgerInvariants } from '../support/tenants.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

interface Answer {
  status: number | null;
  /** What the client saw instead of an answer. */
  failure: string | null;
}

/** One POST on the pool's connections; resolves with the status, or with why there was none. */
function post(
  agent: http.Agent,
  url: URL,
  delivery: { body: string; signature: string },
  connections: Set<unknown>,
): Promise<Answer> {
  const { body, signature } = delivery;
  return new Promise((resolve) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Stripe-Signature': signature,
      },
    });
    request.on('socket', (socket) => connections.add(socket));
    const answer = (status: number | null, failure: string | null) => resolve({ status, failure });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => answer(response.statusCode ?? null, null));
      response.on('error', (error) => answer(null, error.message));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      answer(null, `${error.code ?? error.name}: ${error.message}`),
    );
    request.end(body);
  });
}

async function paidSessions(server: TestServer, count: number) {
  const customers = await Promise.all(Array.from({ length: 4 }, () => server.newCustomer()));
  const sessions: { tenantId: string; credits: number; completed: Stripe.Event }[] = [];
  for (let index = 0; index < count; index++) {
    const creditPackage = creditPackages[index % creditPackages.length]!;
    const customer = customers[index % customers.length]!;
    const session = await startCheckout(server, customer, creditPackage.id);
    const paid = server.sandbox.account.checkoutSessions.pay(session.id, {
      type: 'card',
      number: '4242424242424242',
    });
    assert.ok(paid.ok);
    const completed = completedEventOf(server, session.id);
    sessions.push({ tenantId: customer.tenantId, credits: creditPackage.credits, completed });
  }
  return { customers, sessions };
}

test('thousands of concurrent signed deliveries: every one is answered, every session credited once', async () => {
  const deliveries = size(2000, 6000);
  const server = await startTestServer({
    deliverWebhooks: false,
    // Room for the queue in front of the database: this test is about connections, not time limits.
    env: { DATABASE_CALL_TIMEOUT_MS: '60000' },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  const connections = new Set<unknown>();
  try {
    const { customers, sessions } = await paidSessions(server, 40);
    // Half of the deliveries repeat the first session's event (Stripe's retries and duplicates), the
    // other half are spread over the other sessions; each event is signed once, as Stripe signs it.
    const signed = (event: unknown) => {
      const body = JSON.stringify(event, null, 2);
      const timestamp = Math.floor(Date.now() / 1000);
      return { body, signature: signPayload(body, server.sandbox.webhookSecret, timestamp) };
    };
    const bodies = sessions.map((session) => signed(session.completed));
    // One in a hundred is an event too large to accept: refused unread, on a connection others share.
    const oversize = signed({ ...sessions[1]!.completed, padding: 'x'.repeat(1024 * 1024) });
    const plan = Array.from({ length: deliveries }, (_, index) =>
      index % 100 === 50 ? oversize : bodies[index % 2 === 0 ? 0 : 1 + (index % (sessions.length - 1))]!,
    );
    const url = new URL(`${server.url}/v1/stripe/webhook`);
    const answers = await Promise.all(plan.map((delivery) => post(agent, url, delivery, connections)));
    const oversizeAnswers = answers.filter((_, index) => plan[index] === oversize);
    const fittingAnswers = answers.filter((_, index) => plan[index] !== oversize);

    const unanswered = answers.filter((answer) => answer.status === null);
    const failures = new Map<string, number>();
    for (const { failure } of unanswered) failures.set(`${failure}`, (failures.get(`${failure}`) ?? 0) + 1);
    report('concurrent signed deliveries', {
      deliveries_sent: deliveries,
      answered: answers.length - unanswered.length,
      answered_200: answers.filter((answer) => answer.status === 200).length,
      answered_413: answers.filter((answer) => answer.status === 413).length,
      unanswered: unanswered.length,
      sessions: sessions.length,
      connections: connections.size,
    });
    assert.deepEqual(Object.fromEntries(failures), {}, 'every delivery got an HTTP answer');
    assert.deepEqual([...new Set(fittingAnswers.map((answer) => answer.status))], [200]);
    assert.deepEqual([...new Set(oversizeAnswers.map((answer) => answer.status))], [413]);

    const credited = await server.database.sql<{ session: string; credited: number; rows: number }[]>`
      select p.stripe_checkout_session_id as session, p.credited_credits as credited,
             (select count(*)::int from public.credit_ledger l where l.ref_id = p.id) as rows
        from public.credit_purchases p where p.stripe_checkout_session_id is not null`;
    assert.equal(credited.length, sessions.length);
    for (const row of credited) assert.equal(row.rows, 1, `${row.session} has exactly one ledger row`);
    const expected = sessions.reduce((sum, session) => sum + session.credits, 0);
    assert.equal(
      credited.reduce((sum, row) => sum + row.credited, 0),
      expected,
    );
    for (const customer of customers) {
      const invariants = await ledgerInvariants(server.database.sql, customer.tenantId);
      assert.equal(invariants.balance, invariants.openingPlusLedger);
    }
    assert.ok(!server.logs.some((line) => line.includes('connection closed before the answer was sent')));
    assertNoSecrets(server.logs, 'server logs');
  } finally {
    agent.destroy();
    await server.close();
  }
});
