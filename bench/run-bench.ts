// `npm run bench`: speed measured against this machine's own limits, each figure beside a baseline
// measured in the same run (figures alone mean little on a shared 2-core machine).
//
//   webhook fulfilment   signed checkout.session.completed over HTTP (autocannon, its own process side)
//                        vs the same SQL fulfil function called directly through the postgres driver
//   balance reads        GET /v1/balance vs the hello-world-sized /healthz of the same server
//   checkout overhead    POST /v1/checkout-sessions minus the same Stripe call made directly
//   widget               shipped size; connected → packages painted / → balance painted in Chromium
//   growth               balance and webhook figures with ~10 and 100,000 purchase/ledger rows

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';
import postgres from 'postgres';
import { CREDIT_CURRENCY, creditPackages } from '../credit-packages.ts';
import { buildElementInto, SIZE_BUDGET_BYTES, shippedJavaScript } from '../scripts/size.ts';
import { findFreePort, startEmbeddedPostgres } from '../server/ledger/embedded-postgres.ts';
import { applyMigrations } from '../server/ledger/migrations.ts';
import { checkoutSessionParams } from '../server/stripe/checkout-session-params.ts';
import { createStripeClient } from '../server/stripe/stripe-client.ts';
import { startStripeSandbox } from '../stripe-sandbox/server.ts';
import { checkoutSessionObject, eventObject } from '../stripe-sandbox/stripe-objects.ts';
import { signPayload } from '../stripe-sandbox/webhook-sender.ts';
import { accessToken, TEST_JWT_SECRET } from '../test/support/access-tokens.ts';
import { CHROMIUM_ARGS, chromiumExecutable } from '../test/support/chromium.ts';
import { WAIVER_GIVEN } from '../test/support/withdrawal-waiver.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const CONNECTIONS = 32;
const quick = process.argv.includes('--quick');
const seconds = quick ? 2 : 5;
const standard = creditPackages.find((creditPackage) => creditPackage.id === 'standard')!;

interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}
const rows: Row[] = [];
const record = (row: Row) => {
  rows.push(row);
  console.error(`  measured: ${row.figure}: ${row.value} (${row.baseline})`);
};
const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ----- Setup --------------------------------------------------------------------------------------

const dir = await mkdtemp(path.join(os.tmpdir(), 'credit-topup-bench-'));
/** The element's build that the bench measures and serves. */
const elementDir = path.join(dir, 'element');
await chmod(dir, 0o755);
// Durable settings (fsync on), as a production database has them.
const database = await startEmbeddedPostgres({
  dataDir: path.join(dir, 'data'),
  port: await findFreePort(),
  persistent: false,
});
await applyMigrations(database.url);
const sql = postgres(database.url, { max: CONNECTIONS, onnotice: () => {} });
const sandbox = await startStripeSandbox();
const serverPort = await findFreePort();
const pagePort = await findFreePort();
const api = `http://127.0.0.1:${serverPort}`;
let server: ChildProcess | null = null;

async function cleanup() {
  server?.kill('SIGKILL');
  await sandbox.close().catch(() => {});
  await sql.end({ timeout: 2 }).catch(() => {});
  await database.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

try {
  server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
    // Every setting is passed here; a developer's .env cannot override them (loadEnvFile keeps what is set).
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: String(CONNECTIONS),
      SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
      STRIPE_SECRET_KEY: sandbox.secretKey,
      STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
      STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
      STRIPE_API_BASE: sandbox.url,
      PUBLIC_RETURN_URL: `http://127.0.0.1:${pagePort}/`,
      ALLOWED_ORIGINS: `http://127.0.0.1:${pagePort}`,
      CHECKOUT_RATE_LIMIT: '10000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; ; attempt++) {
    if ((await fetch(`${api}/healthz`).catch(() => null))?.ok) break;
    if (attempt > 200) throw new Error('server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const tenants = await createTenants(100);
  const member = tenants[0]!;
  const token = await accessToken(member.userId, { expiresInSeconds: 3600 });

  // ----- Webhook fulfilment ------------------------------------------------------------------------
  for (const tenantCount of [1, 100]) {
    const count = quick ? 3000 : 12000;
    const viaHttp = await webhookThroughput(tenants.slice(0, tenantCount), count, `http${tenantCount}`);
    const direct = await directFulfilThroughput(tenants.slice(0, tenantCount), count, `sql${tenantCount}`);
    const ratio = viaHttp / direct;
    record({
      figure: `webhook fulfilment, ${tenantCount} tenant${tenantCount > 1 ? 's' : ''} (${CONNECTIONS} conn.)`,
      value: `${fmt(viaHttp)} deliveries/s`,
      baseline: `${fmt(direct)} fulfils/s direct SQL`,
      ratio: `${fmt(ratio * 100)} %`,
      target: '≥ 80 %',
      met: ratio >= 0.8 ? 'yes' : 'NO',
    });
  }

  // ----- Balance reads -----------------------------------------------------------------------------
  const balance = await load('/v1/balance', { Authorization: `Bearer ${token}` });
  const hello = await load('/healthz', {});
  record({
    figure: `GET /v1/balance (${CONNECTIONS} conn.)`,
    value: `${fmt(balance.rps)} req/s, p50 ${balance.p50} ms, p99 ${balance.p99} ms`,
    baseline: `${fmt(hello.rps)} req/s hello world (/healthz)`,
    ratio: `${fmt((balance.rps / hello.rps) * 100)} %`,
    target: '≥ 50 %, p99 < 10 ms',
    met: balance.rps / hello.rps >= 0.5 && balance.p99 < 10 ? 'yes' : 'NO',
  });

  // ----- Checkout creation overhead ----------------------------------------------------------------
  const overhead = await checkoutOverhead(token);
  record({
    figure: 'POST /v1/checkout-sessions, server time without Stripe',
    value: `p50 ${fmt(overhead.server, 2)} ms`,
    baseline: `p50 ${fmt(overhead.post, 2)} ms end to end; the same Stripe call alone ${fmt(overhead.stripe, 2)} ms`,
    ratio: '',
    target: '< 2 ms p50',
    met: overhead.server < 2 ? 'yes' : 'NO',
  });

  // ----- Widget -----------------------------------------------------------------------------------
  // Measured on a build of the code as it is now, never on whatever dist/ an earlier build left.
  buildElementInto(elementDir, 'pipe');
  const size = await shippedJavaScript(elementDir);
  record({
    figure: 'widget: first load (min+gzip)',
    value: `${fmt(size.firstLoad)} B`,
    baseline: `${fmt(size.later)} B loaded after the first paint`,
    ratio: `${fmt((size.firstLoad / SIZE_BUDGET_BYTES) * 100)} % of budget`,
    target: `≤ ${SIZE_BUDGET_BYTES} B`,
    met: size.firstLoad <= SIZE_BUDGET_BYTES ? 'yes' : 'NO',
  });
  const paint = await widgetPaint(token);
  record({
    figure: 'widget in Chromium: connected → packages / balance painted',
    value: `packages ${fmt(paint.packages, 1)} ms, balance ${fmt(paint.balance, 1)} ms (median of ${paint.runs})`,
    baseline: `${fmt(paint.fetchBaseline, 1)} ms for the same two requests by plain fetch in that page`,
    ratio: '',
    target: 'no target set',
    met: '',
  });

  // ----- Growth ------------------------------------------------------------------------------------
  const small = {
    balance: await load('/v1/balance', { Authorization: `Bearer ${token}` }, 3),
    webhook: await webhookThroughput([member], quick ? 2000 : 5000, 'grow-small'),
  };
  await seedHistory(member, 100_000);
  const large = {
    balance: await load('/v1/balance', { Authorization: `Bearer ${token}` }, 3),
    webhook: await webhookThroughput([member], quick ? 2000 : 5000, 'grow-large'),
  };
  const { purchases, ledger } = (
    await sql`select (select count(*) from credit_purchases)::int as purchases, (select count(*) from credit_ledger)::int as ledger`
  )[0]!;
  const flat = (before: number, after: number) => after / before >= 0.8;
  record({
    figure: `growth: GET /v1/balance with 100,000 more rows`,
    value: `${fmt(large.balance.rps)} req/s, p99 ${large.balance.p99} ms`,
    baseline: `${fmt(small.balance.rps)} req/s, p99 ${small.balance.p99} ms before`,
    ratio: `${fmt((large.balance.rps / small.balance.rps) * 100)} %`,
    target: 'flat (≥ 80 %)',
    met: flat(small.balance.rps, large.balance.rps) ? 'yes' : 'NO',
  });
  record({
    figure: `growth: webhook fulfilment with 100,000 more rows`,
    value: `${fmt(large.webhook)} deliveries/s`,
    baseline: `${fmt(small.webhook)} deliveries/s before (tables now ${fmt(purchases)} purchases, ${fmt(ledger)} ledger rows)`,
    ratio: `${fmt((large.webhook / small.webhook) * 100)} %`,
    target: 'flat (≥ 80 %)',
    met: flat(small.webhook, large.webhook) ? 'yes' : 'NO',
  });

  const { version } = (await sql`select current_setting('server_version') as version`)[0]!;
  console.log(
    `\ncredit-topup bench on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${version} (embedded, fsync on), ${seconds} s per load${quick ? ' (--quick)' : ''}\n`,
  );
  printTable(rows);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
// Explicitly: embedded-postgres installs an exit hook that would otherwise end the process with 0.
process.exit(process.exitCode ?? 0);

// ----- Measurements ---------------------------------------------------------------------------------

async function createTenants(count: number) {
  const tenants = Array.from({ length: count }, () => ({
    tenantId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
  }));
  await sql`insert into organizations (id, name) select * from unnest(${tenants.map((t) => t.tenantId)}::uuid[], ${tenants.map(() => 'Bench GmbH')}::text[])`;
  await sql`insert into auth.users (id) select * from unnest(${tenants.map((t) => t.userId)}::uuid[])`;
  await sql`insert into profiles (id, active_tenant_id) select * from unnest(${tenants.map((t) => t.userId)}::uuid[], ${tenants.map((t) => t.tenantId)}::uuid[])`;
  await sql`insert into memberships (user_id, tenant_id) select * from unnest(${tenants.map((t) => t.userId)}::uuid[], ${tenants.map((t) => t.tenantId)}::uuid[])`;
  return tenants;
}

/** Pending purchases with attached sessions, spread over the tenants, ready to be fulfilled. */
async function pendingSessions(
  tenants: { tenantId: string; userId: string }[],
  count: number,
  label: string,
) {
  const sessions = Array.from({ length: count }, (_, index) => ({
    id: `cs_test_bench_${label}_${index}`,
    tenant: tenants[index % tenants.length]!,
  }));
  for (let start = 0; start < sessions.length; start += 5000) {
    const chunk = sessions.slice(start, start + 5000);
    await sql`
      insert into credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency, stripe_checkout_session_id)
      select t, u, 'standard', ${standard.credits}, ${standard.amountCents}, ${CREDIT_CURRENCY}, s
        from unnest(${chunk.map((s) => s.tenant.tenantId)}::uuid[], ${chunk.map((s) => s.tenant.userId)}::uuid[], ${chunk.map((s) => s.id)}::text[]) as x(t, u, s)`;
  }
  return sessions;
}

async function webhookThroughput(
  tenants: { tenantId: string; userId: string }[],
  count: number,
  label: string,
): Promise<number> {
  const sessions = await pendingSessions(tenants, count, label);
  const timestamp = Math.floor(Date.now() / 1000);
  const deliveries = sessions.map((session) => {
    const event = eventObject(
      'checkout.session.completed',
      checkoutSessionObject({
        id: session.id,
        amount_subtotal: standard.amountCents,
        amount_total: standard.amountCents,
        currency: CREDIT_CURRENCY,
        payment_status: 'paid',
        status: 'complete',
        payment_intent: `pi_${session.id}`,
        metadata: { tenant_id: session.tenant.tenantId },
      }),
    );
    const body = JSON.stringify(event);
    return { body, signature: signPayload(body, sandbox.webhookSecret, timestamp) };
  });
  let next = 0;
  let answered = 0;
  let lastAnswer = 0;
  const started = performance.now();
  // autocannon notices the end of a fixed amount only on its once-a-second tick: the rate is taken
  // from the last answer instead.
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: api,
        connections: CONNECTIONS,
        amount: deliveries.length,
        requests: [
          {
            method: 'POST',
            path: '/v1/stripe/webhook',
            setupRequest: (request: autocannon.Request) => {
              const delivery = deliveries[next++ % deliveries.length]!;
              return {
                ...request,
                body: delivery.body,
                headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', () => {
      answered++;
      lastAnswer = performance.now();
    });
  });
  if (result.non2xx || result.errors || answered !== count) {
    throw new Error(
      `webhook load: ${result.non2xx} non-2xx, ${result.errors} errors, ${answered} of ${count} answered`,
    );
  }
  const { credited } = (
    await sql`select count(*)::int as credited from credit_purchases where stripe_checkout_session_id like ${`cs_test_bench_${label}_%`} and credited_credits > 0`
  )[0]!;
  if (credited !== count) throw new Error(`only ${credited} of ${count} sessions credited`);
  return count / ((lastAnswer - started) / 1000);
}

async function directFulfilThroughput(
  tenants: { tenantId: string; userId: string }[],
  count: number,
  label: string,
): Promise<number> {
  const sessions = await pendingSessions(tenants, count, label);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let index = next++; index < sessions.length; index = next++) {
        const session = sessions[index]!;
        await sql`select public.credit_topup_fulfil_checkout_session(
        p_checkout_session_id => ${session.id}, p_amount_cents => ${standard.amountCents}, p_currency => ${CREDIT_CURRENCY},
        p_payment_intent_id => ${`pi_${session.id}`}, p_amount_paid_cents => ${standard.amountCents},
        p_stripe_event_id => ${`evt_${session.id}`}, p_stripe_event_type => 'checkout.session.completed') as result`;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function load(pathname: string, headers: Record<string, string>, duration = seconds) {
  const result = await autocannon({ url: `${api}${pathname}`, connections: CONNECTIONS, duration, headers });
  if (result.non2xx || result.errors)
    throw new Error(`${pathname}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function checkoutOverhead(token: string) {
  const stripe = createStripeClient({
    secretKey: sandbox.secretKey,
    apiBase: new URL(sandbox.url),
    timeoutMs: 5000,
    maxNetworkRetries: 0,
  });
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const posts: number[] = [];
  const direct: number[] = [];
  const ours: number[] = [];
  const runs = quick ? 60 : 200;
  // Sessions name the tenant's customer; the server makes it on the first checkout and reuses it.
  const customer = await stripe.customers.create({ metadata: { tenant_id: 'bench' } });
  for (let run = 0; run < runs + 20; run++) {
    let started = performance.now();
    const response = await fetch(`${api}/v1/checkout-sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ package_id: 'standard', ...WAIVER_GIVEN }),
    });
    if (response.status !== 201) throw new Error(`checkout: ${response.status}`);
    await response.arrayBuffer();
    if (run >= 20) {
      posts.push(performance.now() - started);
      // The server's own time: its whole handling minus the time it waited for Stripe (Server-Timing).
      const timing = Object.fromEntries(
        (response.headers.get('server-timing') ?? '').split(',').map((entry) => {
          const [name, duration] = entry.trim().split(';dur=');
          return [name, Number(duration)];
        }),
      );
      ours.push(timing.app - timing.stripe);
    }
    // The same Stripe call, with the same parameters, made straight from here.
    const params = checkoutSessionParams({
      purchase: {
        id: crypto.randomUUID(),
        tenantId: crypto.randomUUID(),
        userId: crypto.randomUUID(),
        currency: CREDIT_CURRENCY,
        amountCents: standard.amountCents,
      } as never,
      creditPackage: standard,
      priceId: null,
      customerId: customer.id,
      locale: 'de',
      options: {
        returnUrl: `http://127.0.0.1:${pagePort}/`,
        invoiceCreation: true,
        allowPromotionCodes: false,
        automaticTax: false,
        adaptivePricing: false,
        selling: {
          sellTo: 'consumers',
          vat: 'included',
          legal: { termsUrl: null, privacyUrl: null, withdrawalPolicyUrl: null },
          invoiceFooter: null,
        },
      },
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    started = performance.now();
    await stripe.checkout.sessions.create(params, { idempotencyKey: crypto.randomUUID() });
    if (run >= 20) direct.push(performance.now() - started);
  }
  return { post: median(posts), stripe: median(direct), server: median(ours) };
}

async function widgetPaint(token: string) {
  const page = `<!doctype html><html lang="de"><body><script type="module">
    import '/credit-topup.js';
    const api = ${JSON.stringify(api)};
    const fetchStarted = performance.now();
    await Promise.all([fetch(api + '/v1/packages').then((r) => r.json()), fetch(api + '/v1/balance', { headers: { Authorization: 'Bearer ${token}' } }).then((r) => r.json())]);
    const fetchBaseline = performance.now() - fetchStarted;
    const element = document.createElement('credit-topup');
    element.setAttribute('api-base', api);
    element.accessToken = ${JSON.stringify(token)};
    const connected = performance.now();
    document.body.append(element);
    const result = { fetchBaseline };
    await new Promise((resolve) => {
      const look = () => {
        const now = performance.now();
        if (!result.packages && element.shadowRoot?.querySelector('[part="package"]')) result.packages = now - connected;
        if (!result.balance && element.shadowRoot?.querySelector('.amount')) result.balance = now - connected;
        result.packages && result.balance ? resolve() : requestAnimationFrame(look);
      };
      look();
    });
    window.benchResult = result;
  </script></body></html>`;
  // The element's file and the chunk of its dialog, which it fetches after its first paint.
  const shipped = new Map<string, Buffer>();
  for (const file of (await shippedJavaScript(elementDir)).files) {
    const served = path.relative('dist', file.file);
    shipped.set(`/${served}`, await readFile(path.join(elementDir, served)));
  }
  const staticServer = createServer((request, response) => {
    const script = shipped.get(request.url ?? '');
    if (script) response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => staticServer.listen(pagePort, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: CHROMIUM_ARGS });
  const results: { packages: number; balance: number; fetchBaseline: number }[] = [];
  try {
    const runs = quick ? 5 : 15;
    for (let run = 0; run < runs; run++) {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(staticServer.address() as AddressInfo).port}/`);
      // These callbacks run in the page, where the result was left on the global object.
      await tab.waitForFunction(() => (globalThis as unknown as { benchResult?: unknown }).benchResult);
      results.push(
        await tab.evaluate(
          () =>
            (
              globalThis as unknown as {
                benchResult: { packages: number; balance: number; fetchBaseline: number };
              }
            ).benchResult,
        ),
      );
      await tab.close();
    }
  } finally {
    await browser.close();
    staticServer.close();
  }
  const median = (pick: (result: (typeof results)[number]) => number) =>
    results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  return {
    packages: median((r) => r.packages),
    balance: median((r) => r.balance),
    fetchBaseline: median((r) => r.fetchBaseline),
    runs: results.length,
  };
}

async function seedHistory(tenant: { tenantId: string; userId: string }, rows: number) {
  await sql`
    insert into credit_purchases (tenant_id, user_id, package_id, credits, amount_cents, currency, stripe_checkout_session_id,
                                  status, credited_credits, credited_at, created_at)
    select ${tenant.tenantId}, ${tenant.userId}, 'starter', 50, 1250, 'eur', 'cs_test_history_' || g, 'credited', 50, now(), now() - g * interval '1 minute'
      from generate_series(1, ${rows}) g`;
  await sql`
    insert into credit_ledger (tenant_id, user_id, kind, amount, ref_type, created_at)
    select ${tenant.tenantId}, ${tenant.userId}, 'debit', -1, 'bench_history', now() - g * interval '1 minute' from generate_series(1, ${rows}) g`;
  await sql`analyze credit_purchases; analyze credit_ledger`.simple();
}

function printTable(table: Row[]) {
  const columns: (keyof Row)[] = ['figure', 'value', 'baseline', 'ratio', 'target', 'met'];
  const widths = columns.map((column) => Math.max(column.length, ...table.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ')} |`;
  console.log(line(columns));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of table) console.log(line(columns.map((column) => row[column])));
}
