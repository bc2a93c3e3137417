import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { creditPackages } from '../../credit-packages.ts';
import { reconcileCheckoutSessions } from '../../server/purchases/reconcile.ts';
import { packageLookupKey, packageProductId } from '../../server/stripe/package-prices.ts';
import {
  completedEventOf,
  payInSandbox,
  startCheckout,
  startTestServer,
  type TestServer,
} from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

async function errorOf(response: Response) {
  return {
    status: response.status,
    code: ((await response.json()) as { error: { code: string } }).error.code,
  };
}

describe('POST /v1/checkout-sessions', () => {
  let server: TestServer;
  before(async () => {
    // Webhooks are held back here: these tests are about creating sessions and the return path.
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  test('creates an embedded session priced by the server and records the pending purchase first', async () => {
    const customer = await server.newCustomer();
    const before = Math.floor(Date.now() / 1000);
    const response = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      // A browser that claims a price or a tenant is ignored: only package_id counts (credits would ask
      // for a custom amount instead of the package, which this server does not offer).
      body: JSON.stringify({
        package_id: 'standard',
        amount: 1,
        amount_cents: 1,
        tenant_id: randomUUID(),
        locale: 'en',
        ...WAIVER_GIVEN,
      }),
    });
    assert.equal(response.status, 201);
    const body = (await response.json()) as { id: string; client_secret: string; expires_at: number };
    assert.deepEqual(Object.keys(body).sort(), ['client_secret', 'expires_at', 'id']);
    assert.match(body.id, /^cs_test_/);
    assert.ok(body.client_secret.startsWith(`${body.id}_secret_`));

    const [purchase] = await server.database.sql`
      select tenant_id, user_id, package_id, credits, amount_cents, currency, status from public.credit_purchases
       where stripe_checkout_session_id = ${body.id}`;
    assert.deepEqual(
      { ...purchase },
      {
        tenant_id: customer.tenantId,
        user_id: customer.userId,
        package_id: 'standard',
        credits: 100,
        amount_cents: 2500,
        currency: 'eur',
        status: 'pending',
      },
    );

    const sent = server.sandbox.apiRequests.find(
      (request) =>
        request.method === 'POST' &&
        request.path === '/v1/checkout/sessions' &&
        (request.form.metadata as Record<string, string>)?.tenant_id === customer.tenantId,
    )!;
    // biome-ignore lint/suspicious/noExplicitAny: the form Stripe received, read field by field below
    const form = sent.form as Record<string, any>;
    assert.equal(form.mode, 'payment');
    assert.equal(form.ui_mode, 'embedded_page');
    assert.equal(form.redirect_on_completion, 'if_required');
    assert.equal(
      form.return_url,
      'https://portal.example.test/kosten?credit_topup_session={CHECKOUT_SESSION_ID}',
    );
    assert.equal(form.client_reference_id, customer.tenantId);
    assert.equal(form.locale, 'en');
    assert.deepEqual(form.line_items[0].price_data.unit_amount, '2500');
    assert.equal(form.line_items[0].price_data.currency, 'eur');
    assert.equal(form.metadata.user_id, customer.userId);
    assert.equal(form.metadata.package_id, 'standard');
    assert.equal(form.metadata.credits, '100');
    assert.deepEqual(form.payment_intent_data.metadata, form.metadata);
    assert.match(sent.idempotencyKey ?? '', /^credit-topup-/);
    const expiresIn = Number(form.expires_at) - before;
    assert.ok(expiresIn >= 1795 && expiresIn <= 1805, `expires in 30 minutes, not ${expiresIn} s`);
    assert.equal(body.expires_at, Number(form.expires_at));
  });

  test('German is the default locale; Accept-Language en switches it', async () => {
    const customer = await server.newCustomer();
    const german = await startCheckout(server, customer);
    assert.equal(server.sandbox.account.checkoutSessions.retrieve(german.id).locale, 'de');
    const english = await startCheckout(server, customer, 'starter', { 'Accept-Language': 'en-GB,en;q=0.9' });
    assert.equal(server.sandbox.account.checkoutSessions.retrieve(english.id).locale, 'en');
  });

  test('the same Idempotency-Key returns the same session, even for concurrent double clicks', async () => {
    const customer = await server.newCustomer();
    const key = `click-${randomUUID()}`;
    const sessions = await Promise.all(
      Array.from({ length: 5 }, () => startCheckout(server, customer, 'power', { 'Idempotency-Key': key })),
    );
    assert.equal(new Set(sessions.map((session) => session.id)).size, 1);
    assert.equal(new Set(sessions.map((session) => session.client_secret)).size, 1);
    const { count } = (
      await server.database
        .sql`select count(*)::int as count from public.credit_purchases where user_id = ${customer.userId}`
    )[0]!;
    assert.equal(count, 1);

    const later = await startCheckout(server, customer, 'power', { 'Idempotency-Key': key });
    assert.equal(later.id, sessions[0]!.id);
  });

  test('racing requests with one key name one purchase in their sessions; every session not answered is expired', async () => {
    const customer = await server.newCustomer();
    const key = `race-${randomUUID()}`;
    // Stripe answers slowly: every request has read the ledger and asked Stripe before any attaches.
    server.sandbox.injectFaults(...Array.from({ length: 4 }, () => ({ kind: 'delay' as const, ms: 400 })));
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => startCheckout(server, customer, 'power', { 'Idempotency-Key': key })),
    );
    assert.equal(new Set(answers.map((answer) => answer.id)).size, 1);
    const purchases = await server.database.sql<{ id: string; session: string }[]>`
      select id, stripe_checkout_session_id as session from public.credit_purchases where user_id = ${customer.userId}`;
    assert.deepEqual(
      purchases.map((purchase) => purchase.session),
      [answers[0]!.id],
    );
    const made = [...server.sandbox.account.checkoutSessions.sessions.values()].filter(
      (session) => session.metadata?.user_id === customer.userId,
    );
    assert.ok(made.length > 1, 'the requests raced: each made a session');
    for (const session of made) {
      assert.equal(session.metadata?.purchase_id, purchases[0]!.id, 'each names the purchase recorded');
      assert.equal(session.status, session.id === answers[0]!.id ? 'open' : 'expired', session.id);
    }
  });

  test('an Idempotency-Key reused for another package → 409; a malformed key → 400', async () => {
    const customer = await server.newCustomer();
    const key = `key-${randomUUID()}`;
    await startCheckout(server, customer, 'starter', { 'Idempotency-Key': key });
    const reused = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      headers: { 'Idempotency-Key': key },
      body: JSON.stringify({ package_id: 'power', ...WAIVER_GIVEN }),
    });
    assert.deepEqual(await errorOf(reused), { status: 409, code: 'idempotency_key_reused' });
    const malformed = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      headers: { 'Idempotency-Key': 'x'.repeat(256) },
      body: JSON.stringify({ package_id: 'power', ...WAIVER_GIVEN }),
    });
    assert.deepEqual(await errorOf(malformed), { status: 400, code: 'invalid_idempotency_key' });
  });

  test('a repeated key after the session completed → 409 checkout_session_closed', async () => {
    const customer = await server.newCustomer();
    const key = `done-${randomUUID()}`;
    const session = await startCheckout(server, customer, 'starter', { 'Idempotency-Key': key });
    await payInSandbox(server, session.id);
    const again = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      headers: { 'Idempotency-Key': key },
      body: JSON.stringify({ package_id: 'starter', ...WAIVER_GIVEN }),
    });
    assert.deepEqual(await errorOf(again), { status: 409, code: 'checkout_session_closed' });
  });

  test('bad bodies: unknown package, not JSON, not an object, wrong content type, too large', async () => {
    const customer = await server.newCustomer();
    const post = (body: string, contentType = 'application/json') =>
      server.api('/v1/checkout-sessions', {
        method: 'POST',
        token: customer.token,
        headers: { 'Content-Type': contentType },
        body,
      });
    assert.deepEqual(await errorOf(await post(JSON.stringify({ package_id: 'mega' }))), {
      status: 400,
      code: 'unknown_package',
    });
    assert.deepEqual(await errorOf(await post(JSON.stringify({ package_id: 5 }))), {
      status: 400,
      code: 'unknown_package',
    });
    // A custom amount where the server sells only its packages (CREDIT_TOPUP_CUSTOM_AMOUNT is off).
    assert.deepEqual(await errorOf(await post(JSON.stringify({ credits: 200 }))), {
      status: 400,
      code: 'invalid_amount',
    });
    assert.deepEqual(await errorOf(await post(JSON.stringify({ package_id: 'standard', credits: 100 }))), {
      status: 400,
      code: 'invalid_request',
    });
    assert.deepEqual(await errorOf(await post('{"package_id":')), { status: 400, code: 'invalid_json' });
    assert.deepEqual(await errorOf(await post('["standard"]')), { status: 400, code: 'invalid_request' });
    assert.deepEqual(await errorOf(await post('package_id=standard', 'application/x-www-form-urlencoded')), {
      status: 415,
      code: 'unsupported_media_type',
    });
    assert.deepEqual(
      await errorOf(await post(JSON.stringify({ package_id: 'standard', padding: 'x'.repeat(20_000) }))),
      { status: 413, code: 'payload_too_large' },
    );
    const { count } = (
      await server.database
        .sql`select count(*)::int as count from public.credit_purchases where user_id = ${customer.userId}`
    )[0]!;
    assert.equal(count, 0, 'nothing recorded for refused requests');
  });

  test('needs a signed-in member', async () => {
    const anonymous = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
    });
    assert.deepEqual(await errorOf(anonymous), { status: 401, code: 'unauthorized' });
  });

  test('Stripe answering 500 → 502 stripe_unavailable; the retry with the same key then succeeds', async () => {
    const customer = await server.newCustomer();
    const key = `retry-${randomUUID()}`;
    // Stripe keeps a 500 under its idempotency key, so the SDK's own retry of this attempt gets it again.
    server.sandbox.injectFaults({ kind: 'error', status: 500 });
    const failed = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      headers: { 'Idempotency-Key': key },
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
    });
    assert.deepEqual(await errorOf(failed), { status: 502, code: 'stripe_unavailable' });
    const retried = await startCheckout(server, customer, 'standard', { 'Idempotency-Key': key });
    assert.match(retried.id, /^cs_test_/);
    const purchases = await server.database
      .sql`select stripe_checkout_session_id from public.credit_purchases where user_id = ${customer.userId}`;
    assert.deepEqual(
      purchases.map((row) => row.stripe_checkout_session_id),
      [retried.id],
    );
  });
});

describe('checkout with Stripe down or slow', () => {
  test('an unreachable Stripe → 502 stripe_unavailable; a hanging one → 502 within the configured timeout', async () => {
    const server = await startTestServer({ deliverWebhooks: false, env: { STRIPE_TIMEOUT_MS: '400' } });
    try {
      const customer = await server.newCustomer();
      server.sandbox.injectFaults({ kind: 'hang' }, { kind: 'hang' });
      const started = Date.now();
      const hanging = await server.api('/v1/checkout-sessions', {
        method: 'POST',
        token: customer.token,
        body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
      });
      assert.deepEqual(await errorOf(hanging), { status: 502, code: 'stripe_unavailable' });
      assert.ok(Date.now() - started < 5000, 'bounded by timeout × (1 + retries)');
    } finally {
      await server.close();
    }
    const down = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await down.newCustomer();
      await down.sandbox.close();
      const response = await down.api('/v1/checkout-sessions', {
        method: 'POST',
        token: customer.token,
        body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
      });
      assert.deepEqual(await errorOf(response), { status: 502, code: 'stripe_unavailable' });
    } finally {
      await down.close();
    }
  });

  test('the database failing while Stripe makes the session → 503, and that session is expired at Stripe', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await server.newCustomer();
      let response: Response | undefined;
      await server.database.sql.begin(async (tx) => {
        // Reads go on, but no purchase can be recorded: the call that records it gets no answer in time.
        await tx`lock table public.credit_purchases in exclusive mode`;
        response = await server.api('/v1/checkout-sessions', {
          method: 'POST',
          token: customer.token,
          body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
        });
      });
      assert.deepEqual(await errorOf(response!), { status: 503, code: 'database_unavailable' });
      const made = [...server.sandbox.account.checkoutSessions.sessions.values()].filter(
        (session) => session.metadata?.user_id === customer.userId,
      );
      assert.deepEqual(
        made.map((session) => session.status),
        ['expired'],
        'asked of Stripe at the same time, and closed: nobody can pay for it',
      );
    } finally {
      await server.close();
    }
  });

  test('checkout creation is limited per user: 429 rate_limited with Retry-After', async () => {
    const server = await startTestServer({
      deliverWebhooks: false,
      env: { CHECKOUT_RATE_LIMIT: '3', CHECKOUT_RATE_LIMIT_WINDOW_S: '60' },
    });
    try {
      const customer = await server.newCustomer();
      const other = await server.newCustomer();
      for (let index = 0; index < 3; index++) await startCheckout(server, customer, 'starter');
      const limited = await server.api('/v1/checkout-sessions', {
        method: 'POST',
        token: customer.token,
        body: JSON.stringify({ package_id: 'starter', ...WAIVER_GIVEN }),
      });
      assert.deepEqual(await errorOf(limited), { status: 429, code: 'rate_limited' });
      assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
      await startCheckout(server, other, 'starter');
    } finally {
      await server.close();
    }
  });
});

describe('GET /v1/checkout-sessions/:id', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  test('an open session is reported open and not credited', async () => {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'starter');
    const response = await server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      id: session.id,
      status: 'open',
      payment_status: 'unpaid',
      package_id: 'starter',
      credits: 50,
      credited: false,
      purchase_status: 'pending',
      balance: 100,
      receipt_url: null,
      invoice_url: null,
      invoice_pdf_url: null,
    });
  });

  test('the return path credits a paid session whose webhook has not arrived, exactly once', async () => {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, 'standard');
    await payInSandbox(server, session.id);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token }),
      ),
    );
    // The receipt and the invoice as Stripe made them (invoices are on by default).
    const paid = server.sandbox.account.checkoutSessions.retrieve(session.id);
    const invoice = server.sandbox.account.invoices.retrieve(paid.invoice as string);
    const receiptUrl = server.sandbox.account.payments.chargeOfSession(paid).receipt_url;
    assert.ok(receiptUrl && invoice.hosted_invoice_url && invoice.invoice_pdf);
    for (const answer of answers) {
      assert.deepEqual(await answer.json(), {
        id: session.id,
        status: 'complete',
        payment_status: 'paid',
        package_id: 'standard',
        credits: 100,
        credited: true,
        purchase_status: 'credited',
        balance: 200,
        receipt_url: receiptUrl,
        invoice_url: invoice.hosted_invoice_url,
        invoice_pdf_url: invoice.invoice_pdf,
      });
    }
    const { count } = (
      await server.database
        .sql`select count(*)::int as count from public.credit_ledger where tenant_id = ${customer.tenantId}`
    )[0]!;
    assert.equal(count, 1);
    // The webhook arriving afterwards changes nothing.
    const completed = completedEventOf(server, session.id);
    assert.equal((await server.deliver(completed)).status, 200);
    const { balance_credits } = (
      await server.database
        .sql`select balance_credits from public.tenant_credit_balance where tenant_id = ${customer.tenantId}`
    )[0]!;
    assert.equal(balance_credits, 200);
  });

  test("another tenant's session and an unknown id are both 404", async () => {
    const owner = await server.newCustomer();
    const intruder = await server.newCustomer();
    const session = await startCheckout(server, owner);
    for (const path of [
      `/v1/checkout-sessions/${session.id}`,
      '/v1/checkout-sessions/cs_test_unknown',
      '/v1/checkout-sessions/%27%3B--',
    ]) {
      const response = await server.api(path, { token: intruder.token });
      assert.deepEqual(await errorOf(response), { status: 404, code: 'not_found' }, path);
    }
  });
});

describe('synced Stripe prices', () => {
  test('npm run stripe:sync-products creates one Product and Price per package, idempotently, and sessions use them', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const { syncStripeProducts } = await import('../../scripts/stripe-sync-products.ts');
      const first = await syncStripeProducts(server.stripe);
      assert.deepEqual(
        first.map((row) => row.action),
        ['created', 'created', 'created'],
      );
      const second = await syncStripeProducts(server.stripe);
      assert.deepEqual(
        second.map((row) => row.action),
        ['unchanged', 'unchanged', 'unchanged'],
      );
      assert.equal(server.sandbox.account.catalog.prices.size, 3);
      for (const creditPackage of creditPackages) {
        const product = server.sandbox.account.catalog.product(packageProductId(creditPackage));
        assert.equal(product.metadata.package_id, creditPackage.id);
      }

      const customer = await server.newCustomer();
      const session = await startCheckout(server, customer, 'power');
      const price = [...server.sandbox.account.catalog.prices.values()].find(
        (candidate) => candidate.lookup_key === packageLookupKey(creditPackages[2]!),
      )!;
      const sent = server.sandbox.apiRequests
        .filter((request) => request.path === '/v1/checkout/sessions' && request.method === 'POST')
        .at(-1)!;
      assert.deepEqual((sent.form as { line_items?: unknown }).line_items, [
        { price: price.id, quantity: '1' },
      ]);
      assert.equal(server.sandbox.account.checkoutSessions.retrieve(session.id).amount_subtotal, 12500);
    } finally {
      await server.close();
    }
  });
});

// Starting a checkout records the purchase durably while Stripe makes the session, then attaches the
// session without waiting for the disk. A database crash right after the answer can lose that attach:
// the session's metadata names the purchase, and whoever hears of the session next attaches it again.
describe('a session whose attach a database crash lost', () => {
  /** What a crash loses: the purchase (durable) stays, the attach (not yet on disk) is gone. */
  async function loseAttach(server: TestServer, sessionId: string) {
    const [lost] = await server.database.sql<{ id: string }[]>`
      update public.credit_purchases set stripe_checkout_session_id = null, session_expires_at = null
       where stripe_checkout_session_id = ${sessionId} returning id`;
    assert.ok(lost, 'the purchase of the session');
    return lost.id;
  }

  async function creditOf(server: TestServer, purchaseId: string) {
    const [row] = await server.database.sql<
      { session: string | null; credited: number; balance: number; ledger_rows: number }[]
    >`
      select p.stripe_checkout_session_id as session, p.credited_credits as credited, b.balance_credits as balance,
             (select count(*)::int from public.credit_ledger l where l.tenant_id = p.tenant_id) as ledger_rows
        from public.credit_purchases p left join public.tenant_credit_balance b on b.tenant_id = p.tenant_id
       where p.id = ${purchaseId}`;
    return { ...row! };
  }

  test('the webhook attaches it and credits the payment exactly once; the return path shows it', async () => {
    const server = await startTestServer();
    try {
      const customer = await server.newCustomer();
      const session = await startCheckout(server, customer, 'standard');
      const purchaseId = await loseAttach(server, session.id);
      assert.equal(
        server.sandbox.account.checkoutSessions.retrieve(session.id).metadata?.purchase_id,
        purchaseId,
      );
      assert.equal((await payInSandbox(server, session.id)).status, 200);
      await server.sandbox.webhooks.idle();
      assert.deepEqual(await creditOf(server, purchaseId), {
        session: session.id,
        credited: 100,
        balance: 200,
        ledger_rows: 1,
      });
      // Stripe delivering the completion again changes nothing.
      const completed = completedEventOf(server, session.id);
      assert.equal((await server.deliver(completed)).status, 200);
      assert.deepEqual(await creditOf(server, purchaseId), {
        session: session.id,
        credited: 100,
        balance: 200,
        ledger_rows: 1,
      });
      const answer = await server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token });
      const body = (await answer.json()) as Record<string, unknown>;
      assert.deepEqual(
        [answer.status, body.status, body.payment_status, body.credited, body.purchase_status, body.balance],
        [200, 'complete', 'paid', true, 'credited', 200],
      );
    } finally {
      await server.close();
    }
  });

  test('without the webhook, the return path attaches and credits it, for its own tenant only', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await server.newCustomer();
      const intruder = await server.newCustomer();
      const session = await startCheckout(server, customer, 'standard');
      const purchaseId = await loseAttach(server, session.id);
      await payInSandbox(server, session.id);
      const asIntruder = await server.api(`/v1/checkout-sessions/${session.id}`, { token: intruder.token });
      assert.deepEqual(await errorOf(asIntruder), { status: 404, code: 'not_found' });
      assert.equal(
        (await creditOf(server, purchaseId)).session,
        null,
        "another tenant's look attaches nothing",
      );

      const answers = await Promise.all(
        Array.from({ length: 3 }, () =>
          server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token }),
        ),
      );
      for (const answer of answers) {
        const body = (await answer.json()) as { status: string; credited: boolean; balance: number };
        assert.deepEqual(
          [answer.status, body.status, body.credited, body.balance],
          [200, 'complete', true, 200],
        );
      }
      assert.deepEqual(await creditOf(server, purchaseId), {
        session: session.id,
        credited: 100,
        balance: 200,
        ledger_rows: 1,
      });
    } finally {
      await server.close();
    }
  });

  test('the same Idempotency-Key again answers the session the buyer holds, never a second one beside it', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await server.newCustomer();
      const key = `lost-${randomUUID()}`;
      const first = await startCheckout(server, customer, 'standard', { 'Idempotency-Key': key });
      const purchaseId = await loseAttach(server, first.id);
      const again = await startCheckout(server, customer, 'standard', { 'Idempotency-Key': key });
      assert.deepEqual(again, first);
      const made = [...server.sandbox.account.checkoutSessions.sessions.values()].filter(
        (session) => session.metadata?.user_id === customer.userId,
      );
      assert.deepEqual(
        made.map((session) => session.id),
        [first.id],
      );
      assert.equal((await creditOf(server, purchaseId)).session, first.id);
    } finally {
      await server.close();
    }
  });

  test('without the webhook and the buyer, reconciliation attaches and credits it', async () => {
    const server = await startTestServer({ deliverWebhooks: false });
    try {
      const customer = await server.newCustomer();
      const session = await startCheckout(server, customer, 'power');
      const purchaseId = await loseAttach(server, session.id);
      await payInSandbox(server, session.id);
      const rows = await reconcileCheckoutSessions(
        { stripe: server.stripe, store: server.store },
        { sinceSeconds: 3600, dryRun: false },
      );
      assert.deepEqual(
        rows.filter((row) => row.session === session.id),
        [{ session: session.id, tenant: customer.tenantId, credits: 500, action: 'credited' }],
      );
      assert.deepEqual(await creditOf(server, purchaseId), {
        session: session.id,
        credited: 500,
        balance: 600,
        ledger_rows: 1,
      });
    } finally {
      await server.close();
    }
  });
});
