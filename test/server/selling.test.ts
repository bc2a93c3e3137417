// Selling lawfully in Germany (issue 13), through the HTTP interface, against a real PostgreSQL and the
// offline Stripe sandbox: the consumer's withdrawal-right waiver, one Stripe customer per tenant, the
// receipt and invoice links recorded once, and the business mode with VAT added by Stripe Tax.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAppFromConfig } from '../../server/app-from-config.ts';
import { silentLogger } from '../../server/http/logger.ts';
import { CURRENT_WITHDRAWAL_WAIVER } from '../../server/selling/withdrawal-waiver.ts';
import { payInSandbox, startCheckout, startTestServer, type TestServer } from '../support/server-harness.ts';
import { stopOwnTestCluster } from '../support/test-database.ts';
import { WAIVER_GIVEN } from '../support/withdrawal-waiver.ts';

after(stopOwnTestCluster);

const stripeCalls = (server: TestServer, method: string, path: RegExp) =>
  server.sandbox.apiRequests.filter((request) => request.method === method && path.test(request.path)).length;

async function errorOf(response: Response) {
  return {
    status: response.status,
    code: ((await response.json()) as { error: { code: string } }).error.code,
  };
}

describe('selling to consumers (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ deliverWebhooks: false });
  });
  after(() => server.close());

  const post = (token: string, body: unknown) =>
    server.api('/v1/checkout-sessions', { method: 'POST', token, body: JSON.stringify(body) });

  test('without the waiver → 400 withdrawal_waiver_required, an outdated one → 409; nothing sent to Stripe, no purchase opened', async () => {
    const customer = await server.newCustomer();
    const requestsBefore = server.sandbox.apiRequests.length;
    for (const body of [
      { package_id: 'standard' },
      { package_id: 'standard', withdrawal_waiver: false },
      {
        package_id: 'standard',
        withdrawal_waiver: 'true',
        withdrawal_waiver_version: WAIVER_GIVEN.withdrawal_waiver_version,
      },
    ]) {
      assert.deepEqual(await errorOf(await post(customer.token, body)), {
        status: 400,
        code: 'withdrawal_waiver_required',
      });
    }
    for (const version of ['2020-01-01', undefined]) {
      assert.deepEqual(
        await errorOf(
          await post(customer.token, {
            package_id: 'standard',
            withdrawal_waiver: true,
            withdrawal_waiver_version: version,
          }),
        ),
        { status: 409, code: 'withdrawal_waiver_outdated' },
      );
    }
    assert.equal(server.sandbox.apiRequests.length, requestsBefore, 'no request reached Stripe');
    const [opened] = await server.database.sql<{ count: number }[]>`
      select count(*)::int as count from public.credit_purchases where tenant_id = ${customer.tenantId}`;
    assert.equal(opened!.count, 0, 'no purchase opened');
  });

  test('the waiver is stored with the purchase: its text version, the user and when', async () => {
    const customer = await server.newCustomer();
    const before = new Date();
    const session = await startCheckout(server, customer, 'starter');
    const [purchase] = await server.database.sql`
      select withdrawal_waiver_version, withdrawal_waiver_user_id, withdrawal_waiver_at, created_at
        from public.credit_purchases where stripe_checkout_session_id = ${session.id}`;
    assert.equal(purchase!.withdrawal_waiver_version, CURRENT_WITHDRAWAL_WAIVER.version);
    assert.equal(purchase!.withdrawal_waiver_user_id, customer.userId);
    assert.ok(purchase!.withdrawal_waiver_at >= new Date(before.getTime() - 1000));
    // Given before the purchase was opened, by the same statement.
    assert.equal(purchase!.withdrawal_waiver_at.getTime(), purchase!.created_at.getTime());
  });

  test('GET /v1/config serves the waiver text in German and English under its version', async () => {
    const config = (await (await server.api('/v1/config')).json()) as Record<string, unknown>;
    assert.deepEqual(config.withdrawal_waiver, { ...CURRENT_WITHDRAWAL_WAIVER });
    assert.match(CURRENT_WITHDRAWAL_WAIVER.de, /ausdrücklich.*Widerrufsrecht verliere/s);
    assert.match(CURRENT_WITHDRAWAL_WAIVER.en, /expressly agree.*lose my right of withdrawal/s);
  });

  test("a tenant's second purchase reuses its customer", async () => {
    const customer = await server.newCustomer();
    const createsBefore = stripeCalls(server, 'POST', /^\/v1\/customers$/);
    const first = await startCheckout(server, customer, 'starter');
    const second = await startCheckout(server, customer, 'power');
    const firstCustomer = server.sandbox.account.checkoutSessions.retrieve(first.id).customer;
    assert.match(String(firstCustomer), /^cus_/);
    assert.equal(server.sandbox.account.checkoutSessions.retrieve(second.id).customer, firstCustomer);
    assert.equal(stripeCalls(server, 'POST', /^\/v1\/customers$/) - createsBefore, 1, 'one customer made');
    const customers = [...server.sandbox.account.customers.customers.values()].filter(
      (candidate) => candidate.metadata.tenant_id === customer.tenantId,
    );
    assert.deepEqual(
      customers.map((candidate) => [candidate.id, candidate.preferred_locales]),
      [[firstCustomer, ['de']]],
    );
    const rows = await server.database.sql`
      select stripe_customer_id, livemode from public.credit_topup_stripe_customers
       where tenant_id = ${customer.tenantId}`;
    assert.deepEqual(
      rows.map((row) => ({ ...row })),
      [{ stripe_customer_id: firstCustomer, livemode: false }],
    );
  });

  test('20 concurrent first purchases of one tenant, on two server instances → one customer', async () => {
    const customer = await server.newCustomer();
    // A second instance of the app on the same database and Stripe account: nothing in memory shared.
    const other = createAppFromConfig(server.config, server.store, silentLogger);
    const body = JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN });
    const headers = { ...customer.headers, 'Content-Type': 'application/json' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0
          ? server.api('/v1/checkout-sessions', { method: 'POST', headers, body })
          : other.request('/v1/checkout-sessions', { method: 'POST', headers, body }),
      ),
    );
    const sessions = await Promise.all(
      answers.map(async (answer) => {
        assert.equal(answer.status, 201, await answer.clone().text());
        return (await answer.json()) as { id: string };
      }),
    );
    assert.equal(new Set(sessions.map((session) => session.id)).size, 20, 'twenty checkouts');
    const sessionCustomers = new Set(
      sessions.map((session) => server.sandbox.account.checkoutSessions.retrieve(session.id).customer),
    );
    assert.equal(sessionCustomers.size, 1, 'all name the same customer');
    const customers = [...server.sandbox.account.customers.customers.values()].filter(
      (candidate) => candidate.metadata.tenant_id === customer.tenantId,
    );
    assert.equal(customers.length, 1, 'Stripe has one customer of the tenant');
    const rows = await server.database.sql`
      select stripe_customer_id from public.credit_topup_stripe_customers where tenant_id = ${customer.tenantId}`;
    assert.deepEqual(
      rows.map((row) => row.stripe_customer_id),
      [customers[0]!.id],
    );
  });

  /** A paid card checkout, with the events the sandbox sent for it (none delivered yet). */
  async function paidWithEvents(packageId = 'standard') {
    const customer = await server.newCustomer();
    const session = await startCheckout(server, customer, packageId);
    await payInSandbox(server, session.id);
    const paid = server.sandbox.account.checkoutSessions.retrieve(session.id);
    const charge = server.sandbox.account.payments.chargeOfSession(paid);
    const invoice = server.sandbox.account.invoices.retrieve(paid.invoice as string);
    const eventOf = (type: string, id: string) =>
      server.sandbox.account.events.find(
        (event) => event.type === type && (event.data.object as { id: string }).id === id,
      )!;
    return {
      customer,
      session,
      charge,
      invoice,
      completed: eventOf('checkout.session.completed', session.id),
      chargeSucceeded: eventOf('charge.succeeded', charge.id),
      invoicePaid: eventOf('invoice.paid', invoice.id),
    };
  }

  const documentsOf = async (sessionId: string) => {
    const [row] = await server.database.sql`
      select status, receipt_url, stripe_invoice_id, invoice_number, invoice_url, invoice_pdf_url, updated_at
        from public.credit_purchases where stripe_checkout_session_id = ${sessionId}`;
    return { ...row };
  };

  const outcomesOf = (eventId: string) =>
    server.logs
      .filter((line) => line.includes(`"event_id":"${eventId}"`))
      .map((line) => (JSON.parse(line) as { outcome: string }).outcome);

  test("the sandbox sends the charge and invoice events in Stripe's order, each naming our purchase", async () => {
    const { session, charge, invoice } = await paidWithEvents();
    const events = server.sandbox.account.events.filter((event) => {
      const object = event.data.object as { id: string };
      return [session.id, charge.id, invoice.id].includes(object.id);
    });
    assert.deepEqual(
      events.map((event) => event.type),
      ['charge.succeeded', 'checkout.session.completed', 'invoice.finalized', 'invoice.paid'],
    );
    const [purchase] = await server.database.sql`
      select id from public.credit_purchases where stripe_checkout_session_id = ${session.id}`;
    const [chargeEvent, , finalized, paid] = events.map((event) => event.data.object) as [
      { metadata: Record<string, string>; receipt_url: string },
      unknown,
      { metadata: Record<string, string>; status: string; hosted_invoice_url: string },
      { metadata: Record<string, string>; status: string },
    ];
    assert.equal(
      chargeEvent.metadata.purchase_id,
      purchase!.id,
      'the charge carries the payment intent metadata',
    );
    assert.match(chargeEvent.receipt_url, /^http/);
    assert.equal(
      finalized.metadata.purchase_id,
      purchase!.id,
      'the invoice carries its invoice_data metadata',
    );
    assert.deepEqual([finalized.status, paid.status], ['open', 'paid']);
    assert.equal(finalized.hosted_invoice_url, invoice.hosted_invoice_url);
  });

  test("charge.succeeded delivered before the session's completion still leaves the receipt recorded", async () => {
    const { customer, session, charge, completed, chargeSucceeded } = await paidWithEvents();
    assert.equal((await server.deliver(chargeSucceeded)).status, 200);
    const early = await documentsOf(session.id);
    assert.deepEqual(
      { status: early.status, receipt_url: early.receipt_url },
      { status: 'pending', receipt_url: charge.receipt_url },
      'recorded on the purchase before it is credited',
    );
    assert.equal((await server.deliver(completed)).status, 200);
    const credited = await documentsOf(session.id);
    assert.deepEqual(
      { status: credited.status, receipt_url: credited.receipt_url },
      { status: 'credited', receipt_url: charge.receipt_url },
    );
    const [balance] = await server.database.sql`
      select balance_credits from public.tenant_credit_balance where tenant_id = ${customer.tenantId}`;
    assert.equal(balance!.balance_credits, 200);
  });

  test('20 concurrent duplicate deliveries of invoice.paid record the links once; the billing line stays one', async () => {
    const { customer, session, invoice, completed, invoicePaid } = await paidWithEvents();
    assert.equal((await server.deliver(completed)).status, 200);
    const deliveries = await Promise.all(Array.from({ length: 20 }, () => server.deliver(invoicePaid)));
    assert.deepEqual(
      deliveries.map((response) => response.status),
      Array(20).fill(200),
    );
    const outcomes = outcomesOf(invoicePaid.id);
    assert.deepEqual(
      [outcomes.filter((outcome) => outcome === 'documents_recorded').length, outcomes.length],
      [1, 20],
      'one delivery recorded them, the other 19 changed nothing',
    );
    const { updated_at: updatedAt, status, ...links } = await documentsOf(session.id);
    assert.equal(status, 'credited');
    assert.deepEqual(links, {
      receipt_url: null,
      stripe_invoice_id: invoice.id,
      invoice_number: invoice.number,
      invoice_url: invoice.hosted_invoice_url,
      invoice_pdf_url: invoice.invoice_pdf,
    });
    assert.ok(invoice.number && invoice.hosted_invoice_url && invoice.invoice_pdf);

    // Later duplicates, and invoice.finalized with the same links, leave the row as it was.
    const finalized = server.sandbox.account.events.find(
      (event) =>
        event.type === 'invoice.finalized' && (event.data.object as { id: string }).id === invoice.id,
    )!;
    for (const event of [invoicePaid, finalized]) assert.equal((await server.deliver(event)).status, 200);
    assert.deepEqual(await documentsOf(session.id), { ...links, status, updated_at: updatedAt });

    // The portal's cost log has one receipt line for the payment, whatever the number of deliveries.
    const billing = await server.database.sql`
      select action_code, cost_cents, credits_charged from public.armstrong_billing_events
       where org_id = ${customer.tenantId}`;
    assert.deepEqual(
      billing.map((row) => ({ ...row })),
      [{ action_code: 'credit_topup', cost_cents: 2500, credits_charged: 0 }],
    );
  });

  test('an invoice of a purchase that is not ours, or a draft, is answered 200 and records nothing', async () => {
    const { session, invoicePaid } = await paidWithEvents();
    const variant = (id: string, fields: Record<string, unknown>) => {
      const event = structuredClone(invoicePaid);
      event.id = `evt_${id}_${Date.now()}`;
      Object.assign(event.data.object, { id: `in_${id}_${Date.now()}`, ...fields });
      return event;
    };
    const someoneElses = variant('someone_elses', { metadata: { purchase_id: randomUUID() } });
    const noMetadata = variant('no_metadata', { metadata: {} });
    const draft = variant('draft', { status: 'draft', hosted_invoice_url: null, invoice_pdf: null });
    for (const [event, outcome] of [
      [someoneElses, 'not_ours'],
      [noMetadata, 'not_ours'],
      [draft, 'no_documents'],
    ] as const) {
      assert.deepEqual(
        { status: (await server.deliver(event)).status, outcomes: outcomesOf(event.id) },
        { status: 200, outcomes: [outcome] },
        event.id,
      );
    }
    const invoiceIds = [someoneElses, noMetadata, draft].map(
      (event) => (event.data.object as { id: string }).id,
    );
    const recorded = await server.database.sql`
      select id from public.credit_purchases where stripe_invoice_id in ${server.database.sql(invoiceIds)}`;
    assert.equal(recorded.length, 0, 'no purchase has these invoices');
    const own = await documentsOf(session.id);
    assert.deepEqual([own.invoice_url, own.invoice_pdf_url, own.stripe_invoice_id], [null, null, null]);
  });

  test("the buyer's page gets the links the events recorded", async () => {
    const { customer, session, charge, invoice, completed, chargeSucceeded, invoicePaid } =
      await paidWithEvents();
    for (const event of [invoicePaid, completed, chargeSucceeded])
      assert.equal((await server.deliver(event)).status, 200);
    const status = (await (
      await server.api(`/v1/checkout-sessions/${session.id}`, { token: customer.token })
    ).json()) as Record<string, unknown>;
    assert.deepEqual(
      {
        credited: status.credited,
        receipt_url: status.receipt_url,
        invoice_url: status.invoice_url,
        invoice_pdf_url: status.invoice_pdf_url,
      },
      {
        credited: true,
        receipt_url: charge.receipt_url,
        invoice_url: invoice.hosted_invoice_url,
        invoice_pdf_url: invoice.invoice_pdf,
      },
    );
  });
});

describe('selling to businesses, with VAT added by Stripe Tax', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      deliverWebhooks: false,
      env: {
        CREDIT_TOPUP_SELL_TO: 'businesses',
        CREDIT_TOPUP_VAT: 'added',
        STRIPE_AUTOMATIC_TAX: 'true',
        LEGAL_TERMS_URL: 'https://portal.example.test/agb',
        INVOICE_FOOTER: 'Muster Software GmbH · Musterstr. 1 · 10115 Berlin · USt-IdNr. DE999999999',
      },
    });
  });
  after(() => server.close());

  test('no waiver asked; the checkout takes a VAT ID and a billing address; 19 % on top is credited as the package', async () => {
    const customer = await server.newCustomer();
    const config = (await (await server.api('/v1/config')).json()) as Record<string, unknown>;
    assert.equal(config.sell_to, 'businesses');
    assert.equal(config.vat, 'added');
    assert.equal(config.withdrawal_waiver, null);

    const created = await server.api('/v1/checkout-sessions', {
      method: 'POST',
      token: customer.token,
      body: JSON.stringify({ package_id: 'standard' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const open = server.sandbox.account.checkoutSessions.retrieve(id);
    assert.equal(open.tax_id_collection?.enabled, true);
    assert.equal(open.billing_address_collection, 'required');
    assert.equal(open.consent_collection?.terms_of_service, 'required');
    assert.equal(open.automatic_tax.enabled, true);
    const [purchase] = await server.database.sql`
      select withdrawal_waiver_version from public.credit_purchases where stripe_checkout_session_id = ${id}`;
    assert.equal(purchase!.withdrawal_waiver_version, null, 'no waiver in business mode');

    const paid = await payInSandbox(server, id, {
      card_number: '4242 4242 4242 4242',
      terms_accepted: true,
      name: 'Kunde AG',
      email: 'einkauf@kunde.example',
      billing_address: { line1: 'Hauptstr. 5', postal_code: '80331', city: 'München', country: 'DE' },
      tax_id: 'DE123456789',
    });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const status = (await (
      await server.api(`/v1/checkout-sessions/${id}`, { token: customer.token })
    ).json()) as Record<string, unknown>;
    assert.equal(status.credited, true);
    const [row] = await server.database.sql`
      select amount_cents, amount_paid_cents, status, invoice_pdf_url from public.credit_purchases
       where stripe_checkout_session_id = ${id}`;
    // 25,00 € net + 4,75 € VAT: the package's price is the subtotal; the buyer paid the total.
    assert.deepEqual(
      { amount_cents: row!.amount_cents, amount_paid_cents: row!.amount_paid_cents, status: row!.status },
      { amount_cents: 2500, amount_paid_cents: 2975, status: 'credited' },
    );
    const session = server.sandbox.account.checkoutSessions.retrieve(id);
    const invoice = server.sandbox.account.invoices.retrieve(session.invoice as string);
    assert.equal(row!.invoice_pdf_url, invoice.invoice_pdf);
    assert.equal(
      invoice.footer,
      'Muster Software GmbH · Musterstr. 1 · 10115 Berlin · USt-IdNr. DE999999999',
    );
    assert.equal(invoice.description, 'Guthaben: 100 Credits (Paket Standard)');
    assert.deepEqual(
      invoice.customer_tax_ids?.map((taxId) => taxId.value),
      ['DE123456789'],
    );
  });
});
