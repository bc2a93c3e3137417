// `npm run demo`: the whole product on this machine, offline. Starts a real PostgreSQL from npm (data in
// .data/, kept across restarts), applies the migrations, seeds a demo tenant and user, starts the offline
// Stripe sandbox (unless STRIPE_SECRET_KEY is set: then real Stripe test mode), the API server and the
// demo page, prints one URL, and stops everything on Ctrl-C.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createServer as createViteServer } from 'vite';
import { createAccessTokenVerifier } from '../server/auth/access-token-verifier.ts';
import { ConfigError, readConfig } from '../server/config.ts';
import { createJsonLogger } from '../server/http/logger.ts';
import { startEmbeddedPostgres } from '../server/ledger/embedded-postgres.ts';
import { applyMigrations } from '../server/ledger/migrations.ts';
import { startNodeServer } from '../server/start-node-server.ts';
import { type StripeSandbox, startStripeSandbox } from '../stripe-sandbox/server.ts';
import { demoRoutes } from './demo-routes.ts';
import { seedDemo } from './demo-seed.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));

const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
const dataDir = path.resolve(root, process.env.DEMO_DATA_DIR || '.data');
const pagePort = port('DEMO_PORT', 5173);
const apiPort = port('DEMO_API_PORT', 8787);
const sandboxPort = port('DEMO_SANDBOX_PORT', 8790);
const postgresPort = port('DEMO_POSTGRES_PORT', 54329);
const pageOrigin = `http://localhost:${pagePort}`;
const apiUrl = `http://127.0.0.1:${apiPort}`;

const stops: (() => Promise<unknown>)[] = [];
const say = (line: string) => console.log(`[demo] ${line}`);

async function start() {
  await mkdir(dataDir, { recursive: true });
  const serverLog = path.join(dataDir, 'demo-server.log');

  // 1. Database
  const database = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    port: postgresPort,
  });
  stops.push(() => database.stop());
  await applyMigrations(database.url);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  stops.push(() => sql.end({ timeout: 2 }));
  await seedDemo(sql);
  // The offline sandbox starts empty on every run: the Stripe customers an earlier run made are gone, so
  // the tenants get new ones on their next purchase (with real Stripe they stay).
  // Their saved cards are gone too: automatic top-up starts again from "no card" (recharges left open by
  // the last run are cancelled, as nothing could pay them).
  if (!process.env.STRIPE_SECRET_KEY) {
    await sql`update public.credit_topup_auto_recharges set status = 'canceled', failure_code = 'demo_restarted'
               where status in ('pending', 'charging', 'requires_action')`;
    await sql`delete from public.credit_topup_auto_recharge_settings`;
    await sql`delete from public.credit_topup_stripe_customers`;
  }
  say(`PostgreSQL ${postgresPort} (data in ${path.relative(root, dataDir) || '.'}/postgres)`);

  // 2. Secrets of this demo installation, kept so that restarts keep sessions valid.
  const secretsFile = path.join(dataDir, 'demo-secrets.json');
  const secrets = existsSync(secretsFile)
    ? (JSON.parse(await readFile(secretsFile, 'utf8')) as { jwtSecret: string })
    : { jwtSecret: randomBytes(32).toString('base64url') };
  await writeFile(secretsFile, JSON.stringify(secrets), { mode: 0o600 });

  // 3. Stripe: real test mode with keys in .env, otherwise the offline sandbox.
  let sandbox: StripeSandbox | null = null;
  const realStripe = Boolean(process.env.STRIPE_SECRET_KEY);
  if (realStripe && !process.env.STRIPE_SECRET_KEY!.startsWith('sk_test_')) {
    throw new Error('the demo runs only with a Stripe test key (sk_test_…), never a live key');
  }
  if (!realStripe) {
    sandbox = await startStripeSandbox({
      port: sandboxPort,
      webhookUrl: `${apiUrl}/v1/stripe/webhook`,
      asyncPaymentDelayMs: port('DEMO_SEPA_DELAY_MS', 8000),
      webhookRetryBaseMs: 2000,
    });
    stops.push(() => sandbox!.close());
    say(
      `offline Stripe sandbox on port ${sandboxPort} (card 4242 4242 4242 4242 pays, ` +
        '4000 0000 0000 0002 is declined, SEPA DE89 3704 0044 0532 0130 00)',
    );
    say(
      'automatic top-up: save 4242 4242 4242 4242 (pays), 4000 0027 6000 3184 (asks for 3-D Secure) or ' +
        '4000 0000 0000 0341 (declined later), then spend credits below the threshold',
    );
  } else {
    say('real Stripe test mode (STRIPE_SECRET_KEY from .env); forward webhooks with:');
    say(`  stripe listen --forward-to localhost:${apiPort}/v1/stripe/webhook`);
  }

  // 4. The API server, with the demo-only routes beside it.
  const config = readConfig(
    {
      ...process.env,
      PORT: String(apiPort),
      DATABASE_URL: database.url,
      SUPABASE_URL: '',
      SUPABASE_JWT_SECRET: secrets.jwtSecret,
      // The demo's own page, plus any page the developer embeds the element in (see the README).
      ALLOWED_ORIGINS: [pageOrigin, `http://127.0.0.1:${pagePort}`, process.env.ALLOWED_ORIGINS ?? '']
        .filter(Boolean)
        .join(','),
      PUBLIC_RETURN_URL: process.env.PUBLIC_RETURN_URL || `${pageOrigin}/`,
      // The demo seller's pages (terms, privacy, withdrawal policy): the element links them, and the terms
      // make the checkout ask for their acceptance, as a portal's own https pages would.
      LEGAL_TERMS_URL: process.env.LEGAL_TERMS_URL ?? `${pageOrigin}/legal.html#agb`,
      LEGAL_PRIVACY_URL: process.env.LEGAL_PRIVACY_URL ?? `${pageOrigin}/legal.html#datenschutz`,
      LEGAL_WITHDRAWAL_POLICY_URL:
        process.env.LEGAL_WITHDRAWAL_POLICY_URL ?? `${pageOrigin}/legal.html#widerruf`,
      // The demo offers any amount besides the packages (off by default for a portal).
      CREDIT_TOPUP_CUSTOM_AMOUNT: process.env.CREDIT_TOPUP_CUSTOM_AMOUNT || 'true',
      // A declined automatic top-up is tried again after 20 s, then 80 s, so the demo shows it switching off.
      AUTO_RECHARGE_RETRY_BASE_S: process.env.AUTO_RECHARGE_RETRY_BASE_S || '20',
      AUTO_RECHARGE_SWEEP_INTERVAL_MS: process.env.AUTO_RECHARGE_SWEEP_INTERVAL_MS || '5000',
      // The demo seller's details at the foot of its invoices (a portal sets its own).
      INVOICE_FOOTER:
        process.env.INVOICE_FOOTER ??
        'Muster Portal GmbH · Musterstraße 1 · 10115 Berlin · USt-IdNr. DE123456789 · Demo, kein echtes Geld',
      ...(sandbox
        ? {
            STRIPE_SECRET_KEY: sandbox.secretKey,
            STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
            STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
            STRIPE_API_BASE: sandbox.url,
          }
        : {}),
    },
    { embeddedDataDir: path.join(dataDir, 'postgres'), embeddedPort: postgresPort },
  );
  const verifier = createAccessTokenVerifier({ jwtSecret: secrets.jwtSecret });
  const server = await startNodeServer(config, {
    logger: createJsonLogger((line) => void appendFile(serverLog, `${line}\n`)),
    extraRoutes: (ledger) => [
      {
        path: '/demo-api',
        routes: demoRoutes({
          sql,
          store: ledger.store,
          verifier,
          jwtSecret: secrets.jwtSecret,
          sandboxUrl: sandbox?.url ?? null,
          allowedOrigins: config.allowedOrigins,
        }),
      },
    ],
  });
  stops.push(() => server.close());
  say(`API on port ${server.port} (logs in ${path.relative(root, serverLog)})`);
  say(
    config.selling.sellTo === 'consumers'
      ? 'selling to consumers (each buyer ticks the withdrawal waiver); to businesses: ' +
          'CREDIT_TOPUP_SELL_TO=businesses npm run demo'
      : config.selling.vat === 'added'
        ? 'selling to businesses, net prices plus VAT (Stripe Tax adds it)'
        : 'selling to businesses, prices incl. VAT; net: CREDIT_TOPUP_VAT=added STRIPE_AUTOMATIC_TAX=true',
  );

  // 5. The demo page; it reaches the API through the same origin. Vite would serve any file of the
  // repository through /@fs/ (the data folder with the JWT secret, the server log, Postgres' files) and
  // answer other localhost pages with CORS: it serves only what the page imports, to this page only.
  const vite = await createViteServer({
    configFile: false,
    root: path.join(root, 'demo'),
    logLevel: 'warn',
    server: {
      port: pagePort,
      strictPort: true,
      host: 'localhost',
      cors: false,
      fs: {
        strict: true,
        allow: ['demo', 'widget', 'contract', 'credit-packages.ts', 'node_modules'].map((entry) =>
          path.join(root, entry),
        ),
        deny: ['.env', '.env.*', '*.{crt,pem,key}', '*.log', '**/.git/**', '**/.data/**', `${dataDir}/**`],
      },
      proxy: { '/v1': apiUrl, '/demo-api': apiUrl },
    },
  });
  await vite.listen();
  stops.push(() => vite.close());

  console.log(`\n  credit-topup demo: ${pageOrigin}/\n`);
}

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const step of stops.reverse()) await step().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

start().catch(async (error) => {
  const message =
    error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  console.error(`[demo] could not start: ${message}`);
  await stop(1);
});
