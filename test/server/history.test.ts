// GET /v1/purchases, GET /v1/ledger and their CSV downloads, through HTTP on a real server and a real
// PostgreSQL, once with each ledger adapter: the postgres driver and Supabase's REST API (the PostgREST
// stand-in runs the same SQL under the service role).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type {
  ApiErrorResponse,
  LedgerHistoryResponse,
  PurchaseHistoryResponse,
} from '../../contract/credit-topup-api.ts';
import { readConfig } from '../../server/config.ts';
import { createJsonLogger } from '../../server/http/logger.ts';
import { type RunningServer, startNodeServer } from '../../server/start-node-server.ts';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { accessToken } from '../support/access-tokens.ts';
import { seedManyHistoryRows, seedMovement, seedPurchase } from '../support/history-seed.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { createTenant, type TestTenant } from '../support/tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from '../support/test-database.ts';
import { testServerEnv } from '../support/test-server-env.ts';

after(stopOwnTestCluster);

const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, second)).toISOString();

for (const adapter of ['postgres', 'supabase'] as const) {
  describe(`history through the ${adapter} adapter`, () => {
    let database: TestDatabase;
    let sandbox: StripeSandbox;
    let standIn: PostgrestStandIn | undefined;
    let server: RunningServer;
    let tenant: TestTenant & { token: string };
    let other: TestTenant & { token: string };

    async function customer(name: string) {
      const created = await createTenant(database.sql, name);
      return { ...created, token: await accessToken(created.userId) };
    }

    async function get(path: string, token: string) {
      return fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    }

    async function page<T>(path: string, token: string): Promise<T> {
      const response = await get(path, token);
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as T;
    }

    /** Every row of a history, following next_cursor with pages of `limit`. */
    async function walk<T extends { id: string }>(
      kind: 'purchases' | 'ledger',
      token: string,
      limit: number,
    ) {
      const rows: T[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const answer: { data: T[]; next_cursor: string | null } = await page(`/v1/${kind}?${query}`, token);
        assert.ok(answer.data.length <= limit);
        rows.push(...answer.data);
        cursor = answer.next_cursor;
        pages += 1;
      } while (cursor && pages < 100);
      return { rows, pages };
    }

    before(async () => {
      database = await createTestDatabase();
      sandbox = await startStripeSandbox();
      const env = testServerEnv({ databaseUrl: database.url, sandbox });
      if (adapter === 'supabase') {
        standIn = await startPostgrestStandIn(database.url);
        delete env.DATABASE_URL;
        env.SUPABASE_URL = standIn.url;
        env.SUPABASE_SERVICE_ROLE_KEY = standIn.serviceRoleKey;
      }
      const config = readConfig(env, { embeddedDataDir: '', embeddedPort: 0 });
      server = await startNodeServer(config, { logger: createJsonLogger(() => {}) });
      tenant = await customer('Mandant A');
      other = await customer('Mandant B');
    });

    after(async () => {
      await server?.close();
      await standIn?.close();
      await sandbox?.close();
      await database?.drop();
    });

    test("purchases: the tenant's own, newest first, with money, dates, documents and any package id", async () => {
      const paid = await seedPurchase(database.sql, tenant, {
        packageId: 'power',
        credits: 500,
        amountCents: 12_500,
        createdAt: at(1),
        creditedAt: at(2),
        receiptUrl: 'https://pay.stripe.test/receipts/r_1',
        invoiceNumber: 'ABC-0001',
        invoiceUrl: 'https://invoice.stripe.test/i/1',
        invoicePdfUrl: 'https://invoice.stripe.test/i/1/pdf',
      });
      const custom = await seedPurchase(database.sql, tenant, {
        packageId: 'custom',
        credits: 230,
        createdAt: at(3),
      });
      const pending = await seedPurchase(database.sql, tenant, { status: 'pending', createdAt: at(4) });
      await seedPurchase(database.sql, other, { createdAt: at(5) });

      const answer = await page<PurchaseHistoryResponse>('/v1/purchases', tenant.token);
      assert.deepEqual(
        answer.data.map((row) => row.id),
        [pending, custom, paid],
      );
      assert.equal(answer.next_cursor, null);
      const [pendingRow, customRow, paidRow] = answer.data;
      assert.equal(pendingRow!.status, 'pending');
      assert.equal(pendingRow!.paid_at, null);
      assert.equal(customRow!.package_id, 'custom');
      assert.equal(customRow!.amount_cents, 5750);
      assert.deepEqual(
        {
          ...paidRow,
          created_at: new Date(paidRow!.created_at).toISOString(),
          paid_at: new Date(paidRow!.paid_at!).toISOString(),
        },
        {
          id: paid,
          package_id: 'power',
          status: 'credited',
          credits: 500,
          amount_cents: 12_500,
          amount_paid_cents: 12_500,
          refunded_cents: 0,
          currency: 'eur',
          created_at: at(1),
          paid_at: at(2),
          refunded_at: null,
          receipt_url: 'https://pay.stripe.test/receipts/r_1',
          invoice_number: 'ABC-0001',
          invoice_url: 'https://invoice.stripe.test/i/1',
          invoice_pdf_url: 'https://invoice.stripe.test/i/1/pdf',
        },
      );
    });

    test('a refund through the ledger shows its date on the purchase and its claw-back in the ledger', async () => {
      const buyer = await customer('Mandant Erstattung');
      const [opened] = await database.sql`
        select public.credit_topup_open_purchase(${buyer.tenantId}, ${buyer.userId}, 'standard', 100, 2500, 'eur') as result`;
      const purchaseId = opened!.result.purchase.id as string;
      const sessionId = `cs_test_${randomUUID().replaceAll('-', '')}`;
      await database.sql`select public.credit_topup_attach_checkout_session(${purchaseId}, ${sessionId}, null)`;
      await database.sql`select public.credit_topup_fulfil_checkout_session(${sessionId}, 2500, 'eur', 'pi_h1', 2500)`;
      await database.sql`
        select public.credit_topup_apply_refund(${purchaseId}, 'pi_h1', 2500, 2500, 'evt_refund_h1', 'charge.refunded')`;

      const [purchase] = (await page<PurchaseHistoryResponse>('/v1/purchases', buyer.token)).data;
      assert.equal(purchase!.status, 'refunded');
      assert.equal(purchase!.refunded_cents, 2500);
      assert.ok(purchase!.refunded_at && purchase!.paid_at, 'paid and refunded dates');

      const ledger = (await page<LedgerHistoryResponse>('/v1/ledger', buyer.token)).data;
      assert.deepEqual(
        ledger.map((row) => [row.kind, row.amount, row.ref_type, row.ref_id]),
        [
          ['debit', -100, 'stripe_reversal', purchaseId],
          ['credit', 100, 'stripe_checkout', purchaseId],
        ],
      );
    });

    test("ledger: spending as the portal records it, with the action code where the portal's assistant logged one", async () => {
      const spender = await customer('Mandant Ausgaben');
      const run = randomUUID();
      await database.sql`
        insert into public.armstrong_billing_events (action_run_id, org_id, action_code, cost_model, credits_charged)
        values (${run}, ${spender.tenantId}, 'summarise_document', 'metered', 7)`;
      await database.sql`select public.rpc_credit_deduct(${spender.tenantId}, 7, 'summarise_document', 'action_run', ${run}, ${spender.userId})`;
      await database.sql`select public.rpc_credit_deduct(${spender.tenantId}, 3, 'translate', null, null, ${spender.userId})`;

      const ledger = (await page<LedgerHistoryResponse>('/v1/ledger', spender.token)).data;
      assert.deepEqual(
        ledger.map(({ kind, amount, ref_type, ref_id, action_code }) => ({
          kind,
          amount,
          ref_type,
          ref_id,
          action_code,
        })),
        [
          { kind: 'debit', amount: -3, ref_type: 'translate', ref_id: null, action_code: null },
          {
            kind: 'debit',
            amount: -7,
            ref_type: 'action_run',
            ref_id: run,
            action_code: 'summarise_document',
          },
        ],
      );
    });

    test('pages follow (created_at, id) across rows with equal times: every row once, in order, then null', async () => {
      const busy = await customer('Mandant Gleichzeitig');
      const ids: string[] = [];
      for (let index = 0; index < 7; index++) {
        ids.push(await seedPurchase(database.sql, busy, { createdAt: at(10) }));
        ids.push(await seedMovement(database.sql, busy, { amount: -1, refType: 'chat', createdAt: at(10) }));
      }
      for (let second = 11; second < 14; second++) {
        ids.push(await seedPurchase(database.sql, busy, { createdAt: at(second) }));
        ids.push(await seedMovement(database.sql, busy, { amount: 5, createdAt: at(second) }));
      }
      for (const kind of ['purchases', 'ledger'] as const) {
        const table = kind === 'purchases' ? 'credit_purchases' : 'credit_ledger';
        const expected = await database.sql<{ id: string }[]>`
          select id from ${database.sql(`public.${table}`)} where tenant_id = ${busy.tenantId}
           order by created_at desc, id desc`;
        for (const limit of [1, 3, 4, 10]) {
          const { rows, pages } = await walk(kind, busy.token, limit);
          assert.deepEqual(
            rows.map((row) => row.id),
            expected.map((row) => row.id),
            `${kind}, pages of ${limit}`,
          );
          assert.equal(pages, Math.ceil(expected.length / limit), `${kind}: no empty last page`);
        }
      }
    });

    test("another tenant's rows never appear, not even with a cursor made from them", async () => {
      const mine = await customer('Mandant Eigen');
      const theirs = await customer('Mandant Fremd');
      for (let second = 20; second < 26; second++) {
        await seedPurchase(database.sql, mine, { createdAt: at(second) });
        // Half a second later than mine: where their cursor points is then clear, whatever the ids.
        const later = new Date(Date.parse(at(second)) + 500).toISOString();
        await seedPurchase(database.sql, theirs, { createdAt: later });
        await seedMovement(database.sql, theirs, { amount: -2, createdAt: later });
      }
      const theirFirst = await page<PurchaseHistoryResponse>('/v1/purchases?limit=2', theirs.token);
      assert.ok(theirFirst.next_cursor);
      const mineWithTheirCursor = await page<PurchaseHistoryResponse>(
        `/v1/purchases?cursor=${theirFirst.next_cursor}`,
        mine.token,
      );
      const theirIds = new Set((await walk('purchases', theirs.token, 100)).rows.map((row) => row.id));
      assert.equal(mineWithTheirCursor.data.length, 5, 'my rows older than that position');
      assert.ok(mineWithTheirCursor.data.every((row) => !theirIds.has(row.id)));
      const myLedger = await page<LedgerHistoryResponse>('/v1/ledger', mine.token);
      assert.deepEqual(myLedger.data, []);
      assert.equal((await walk('purchases', mine.token, 100)).rows.length, 6);
    });

    test('limit: 1..100, 50 without one; anything else and a cursor this server did not make are 400s', async () => {
      const many = await customer('Mandant Viele');
      await seedManyHistoryRows(database.sql, many, 120);
      assert.equal((await page<PurchaseHistoryResponse>('/v1/purchases', many.token)).data.length, 50);
      assert.equal((await page<LedgerHistoryResponse>('/v1/ledger?limit=1', many.token)).data.length, 1);
      assert.equal((await page<LedgerHistoryResponse>('/v1/ledger?limit=100', many.token)).data.length, 100);
      for (const limit of ['0', '101', '-1', '1.5', 'abc', '', '1e2', '0050']) {
        const response = await get(`/v1/purchases?limit=${limit}`, many.token);
        assert.equal(response.status, 400, `limit=${limit}`);
        assert.equal(((await response.json()) as ApiErrorResponse).error.code, 'invalid_limit');
      }
      const forged = [
        'nonsense!',
        Buffer.from('yesterday|1').toString('base64url'),
        Buffer.from(`2026-06-01T12:00:00Z|${randomUUID()}|x`).toString('base64url'),
        Buffer.from("2026-06-01T12:00:00Z|' or 1=1 --").toString('base64url'),
        '',
      ];
      for (const cursor of forged) {
        const response = await get(`/v1/ledger?cursor=${cursor}`, many.token);
        assert.equal(response.status, 400, `cursor=${cursor}`);
        assert.equal(((await response.json()) as ApiErrorResponse).error.code, 'invalid_cursor');
      }
    });

    test('signed out is 401, signed in without a tenant is 403', async () => {
      assert.equal((await fetch(`${server.url}/v1/purchases`)).status, 401);
      assert.equal((await fetch(`${server.url}/v1/ledger.csv`)).status, 401);
      const stranger = await accessToken(randomUUID());
      const response = await get('/v1/ledger', stranger);
      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as ApiErrorResponse).error.code, 'no_tenant');
      assert.equal((await get('/v1/purchases.csv', stranger)).status, 403);
    });

    test('CSV: the whole history as an attachment, German by default, formulas defused, every row once', async () => {
      const exporter = await customer('Mandant Export');
      await seedPurchase(database.sql, exporter, {
        packageId: '-custom',
        credits: 200,
        amountCents: 5000,
        createdAt: at(30),
        invoiceNumber: '=HYPERLINK("https://evil.test","Rechnung")',
        invoiceUrl: 'https://invoice.stripe.test/i/2',
      });
      await seedMovement(database.sql, exporter, { amount: -4, refType: '@SUM(A1:A9)', createdAt: at(31) });
      await seedMovement(database.sql, exporter, { amount: 200, refType: '+cmd|calc', createdAt: at(32) });

      const response = await get('/v1/purchases.csv', exporter.token);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /^attachment; filename="purchases-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const bytes = new Uint8Array(await response.arrayBuffer());
      assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
      const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n');
      assert.equal(
        lines[0],
        'Datum;Bezahlt am;Erstattet am;Paket;Status;Credits;Preis;Bezahlt;Erstattet;Währung;Rechnungsnummer;Rechnung;Rechnung (PDF);Beleg;Kauf-ID',
      );
      assert.match(
        lines[1]!,
        /^2026-06-01 12:00:30;2026-06-01 12:00:30;;'-custom;credited;200;50,00;50,00;0,00;EUR;"'=HYPERLINK\(""https:\/\/evil.test"",""Rechnung""\)";https:\/\/invoice.stripe.test\/i\/2;;;[0-9a-f-]{36}$/,
      );
      assert.equal(lines.length, 3, 'heading, one row, the final line break');

      const ledger = await get('/v1/ledger.csv?locale=en', exporter.token);
      const text = (await ledger.text()).replace(/^\uFEFF/, '');
      const ledgerLines = text.split('\r\n');
      assert.equal(ledgerLines[0], 'Date,Kind,Credits,Reason,Action,Reference,Entry ID');
      assert.match(ledgerLines[1]!, /^2026-06-01 12:00:32,credit,200,'\+cmd\|calc,,,[0-9a-f-]{36}$/);
      assert.match(ledgerLines[2]!, /^2026-06-01 12:00:31,debit,-4,'@SUM\(A1:A9\),,,[0-9a-f-]{36}$/);
    });

    test('CSV of a history longer than one database page: streamed page by page, every row once', async () => {
      const large = await customer('Mandant Groß');
      await seedManyHistoryRows(database.sql, large, 1234);
      const text = await (await get('/v1/ledger.csv', large.token)).text();
      const ids = text
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(';').at(-1));
      assert.equal(ids.length, 1234);
      assert.equal(new Set(ids).size, 1234);
    });
  });
}
