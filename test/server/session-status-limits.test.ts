// GET /v1/checkout-sessions/:id may ask Stripe, and a browser may call it as often as it likes. What one
// user can make our server ask of Stripe is bounded: concurrent look-ups share one Stripe call, a session
// is asked at most once per interval, what the ledger knows for good is never asked again, and each user
// has a rate limit. The sandbox counts what it was asked.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  eventually,
  payInSandbox,
  sandboxControl,
  startCheckout,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';

after(stopOwnTestCluster);

/** How often the sandbox was asked for this session (GET /v1/checkout/sessions/:id). */
function stripeLookUps(server: TestServer, sessionId: string): number {
  return server.sandbox.apiRequests.filter(
    (request) => request.method === 'GET' && request.path === `/v1/checkout/sessions/${sessionId}`,
  ).length;
}

async function purchaseStatus(server: TestServer, sessionId: string): Promise<string | undefined> {
  const [row] = await server.database.sql<{ status: string }[]>`
    select status from public.credit_purchases where stripe_checkout_session_id = ${sessionId}`;
  return row?.status;
}

describe('GET /v1/checkout-sessions/:id and Stripe', () => {
  test('concurrent and repeated look-ups of an open session share one Stripe call; a payment shows at once', async () => {
    // An interval longer than the test: every look-up below falls into the first one.
    const server = await startTestServer({ env: { SESSION_STATUS_STRIPE_INTERVAL_MS: '60000' } });
    try {
      const customer = await server.newCustomer();
      const session = await startCheckout(server, customer, 'starter');
      const lookUp = () => server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token });

      const concurrent = await Promise.all(Array.from({ length: 10 }, lookUp));
      const sequential: Response[] = [];
      for (let index = 0; index < 10; index++) sequential.push(await lookUp());
      for (const response of [...concurrent, ...sequential]) {
        assert.equal(response.status, 200);
        const body = (await response.json()) as { status: string; credited: boolean };
        assert.deepEqual(
          { status: body.status, credited: body.credited },
          { status: 'open', credited: false },
        );
      }
      assert.equal(stripeLookUps(server, session.id), 1, '20 look-ups, one Stripe call');

      // Paid: the webhook credits the ledger, and the ledger answers the next look-up, not Stripe's copy.
      await payInSandbox(server, session.id);
      // The webhook credits; Stripe's charge and invoice events record the receipt and invoice links.
      await eventually('credited by the webhook, with its invoice', async () => {
        const [row] = await server.database.sql<{ status: string; invoice_url: string | null }[]>`
          select status, invoice_url from public.credit_purchases where stripe_checkout_session_id = ${session.id}`;
        return row?.status === 'credited' && row.invoice_url !== null;
      });
      const afterPayment = await lookUp();
      const paid = server.sandbox.account.checkoutSessions.retrieve(session.id);
      const invoice = server.sandbox.account.invoices.retrieve(paid.invoice as string);
      assert.deepEqual(await afterPayment.json(), {
        id: session.id,
        status: 'complete',
        payment_status: 'paid',
        package_id: 'starter',
        credits: 50,
        credited: true,
        purchase_status: 'credited',
        balance: 150,
        receipt_url: server.sandbox.account.payments.chargeOfSession(paid).receipt_url,
        invoice_url: invoice.hosted_invoice_url,
        invoice_pdf_url: invoice.invoice_pdf,
      });
      assert.equal(
        stripeLookUps(server, session.id),
        1,
        'a credited session with its receipt and invoice is not asked again',
      );
    } finally {
      await server.close();
    }
  });

  test('an expired or failed purchase is answered from the ledger and never asks Stripe', async () => {
    const server = await startTestServer();
    try {
      const customer = await server.newCustomer();
      const expired = await startCheckout(server, customer, 'starter');
      await sandboxControl(server, `checkout-sessions/${expired.id}/expire`);
      // A direct debit that fails after the checkout completed (the sandbox's failing IBAN).
      const failed = await startCheckout(server, customer, 'starter');
      await payInSandbox(server, failed.id, { iban: 'DE62370400440532013001' });
      await eventually(
        'expired by the webhook',
        async () => (await purchaseStatus(server, expired.id)) === 'expired',
      );
      await eventually(
        'failed by the webhook',
        async () => (await purchaseStatus(server, failed.id)) === 'failed',
      );
      const asked = { expired: stripeLookUps(server, expired.id), failed: stripeLookUps(server, failed.id) };

      for (const [session, expected] of [
        [expired, { status: 'expired', payment_status: 'unpaid', purchase_status: 'expired' }],
        [failed, { status: 'complete', payment_status: 'unpaid', purchase_status: 'failed' }],
      ] as const) {
        for (let index = 0; index < 3; index++) {
          const response = await server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token });
          const body = (await response.json()) as Record<string, unknown>;
          assert.deepEqual(
            {
              status: body.status,
              payment_status: body.payment_status,
              purchase_status: body.purchase_status,
            },
            expected,
          );
        }
      }
      assert.deepEqual(
        { expired: stripeLookUps(server, expired.id), failed: stripeLookUps(server, failed.id) },
        asked,
        'no look-up asked Stripe',
      );
    } finally {
      await server.close();
    }
  });

  test('look-ups are limited per user: 429 rate_limited with Retry-After, and Stripe is not asked', async () => {
    const server = await startTestServer({
      deliverWebhooks: false,
      env: {
        SESSION_STATUS_RATE_LIMIT: '3',
        SESSION_STATUS_RATE_LIMIT_WINDOW_S: '60',
        // Short, so that the look-ups within the limit may ask Stripe; the refused ones must not.
        SESSION_STATUS_STRIPE_INTERVAL_MS: '100',
      },
    });
    try {
      const customer = await server.newCustomer();
      const other = await server.newCustomer();
      const session = await startCheckout(server, customer, 'starter');
      const lookUp = (token: string) => server.api(`/v1/checkout-sessions/${session.id}`, { token });
      for (let index = 0; index < 3; index++) assert.equal((await lookUp(customer.token)).status, 200);
      const askedWithinLimit = stripeLookUps(server, session.id);

      for (let index = 0; index < 5; index++) {
        const limited = await lookUp(customer.token);
        assert.equal(limited.status, 429);
        assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
        const retryAfter = Number(limited.headers.get('retry-after'));
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${retryAfter}`);
      }
      assert.equal(stripeLookUps(server, session.id), askedWithinLimit, 'refused look-ups ask nobody');
      // Another user has a limit of their own (and is told the session does not exist for them).
      assert.equal((await lookUp(other.token)).status, 404);
    } finally {
      await server.close();
    }
  });
});
