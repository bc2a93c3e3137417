// The real backend for the browser tests: the Hono app on a real port with a real PostgreSQL, the offline
// Stripe sandbox delivering webhooks to it, and test controls the browser reaches on the test runner's
// own origin under /__test/ (create a signed-in customer, read a balance, stop and start the API, drive
// the sandbox). Nothing of our own code is stubbed.

import { build } from 'esbuild';
import { createAppFromConfig } from '../../server/app-from-config.ts';
import { createAccessTokenVerifier } from '../../server/auth/access-token-verifier.ts';
import { silentLogger } from '../../server/http/logger.ts';
import { createPostgresCreditStore } from '../../server/ledger/postgres-credit-store.ts';
import { listenOnNode } from '../../server/node-listener.ts';
import { type RunningServer, startNodeServer } from '../../server/start-node-server.ts';
import { type StripeSandbox, startStripeSandbox } from '../../stripe-sandbox/server.ts';
import { accessToken, TEST_JWT_SECRET } from './access-tokens.ts';
import { seedHistory } from './history-seed.ts';
import { goTrueUser, startRealtimeStandIn } from './realtime-stand-in.ts';
import { balanceOf, createMember, createTenant } from './tenants.ts';
import { createTestDatabase, stopOwnTestCluster, type TestDatabase } from './test-database.ts';
import { testServerConfig } from './test-server-env.ts';

export interface WidgetBackend {
  apiBase: string;
  sandbox: StripeSandbox;
  /** Koa-style middleware for @web/test-runner serving /__test/*. */
  middleware(context: KoaContext, next: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

interface KoaContext {
  set(header: string, value: string): void;
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  body: unknown;
  status: number;
  type: string;
}

/**
 * The README's Content-Security-Policy for a host page of <credit-topup>, with `stripe` in place of
 * Stripe's hosts (the tests' offline sandbox stands in for js.stripe.com, its frames and its pages) and
 * `api` the credit-topup server. No 'unsafe-inline' anywhere, no 'unsafe-eval'.
 */
export function hostPagePolicy(mode: 'embedded' | 'hosted', origins: { api: string; stripe: string }) {
  const { api, stripe } = origins;
  const directives =
    mode === 'embedded'
      ? [
          "default-src 'self'",
          `script-src 'self' ${stripe}`,
          `frame-src ${stripe}`,
          `connect-src 'self' ${api} ${stripe}`,
          `img-src 'self' data: ${stripe}`,
          "style-src 'self'",
        ]
      : [
          "default-src 'self'",
          "script-src 'self'",
          "frame-src 'none'",
          `connect-src 'self' ${api}`,
          "img-src 'self' data:",
          "style-src 'self'",
        ];
  return [...directives, "object-src 'none'", "base-uri 'none'"].join('; ');
}

/** The host page: a probe that records every CSP violation, then the element's module; no inline script. */
const CSP_HOST_PAGE = `<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>CSP host page</title>
<script src="/test/widget/csp-probe.js"></script>
<script type="module" src="/widget/credit-topup.ts"></script>
</head>
<body></body>
</html>`;

export async function startWidgetBackend(allowedOrigins: string[]): Promise<WidgetBackend> {
  const database: TestDatabase = await createTestDatabase();
  const sandbox = await startStripeSandbox({ webhookRetryBaseMs: 200, asyncPaymentDelayMs: 1500 });
  const verifier = createAccessTokenVerifier({ jwtSecret: TEST_JWT_SECRET });
  const env = {
    DATABASE_CALL_TIMEOUT_MS: '3000',
    STRIPE_TIMEOUT_MS: '3000',
    ALLOWED_ORIGINS: allowedOrigins.join(','),
    PUBLIC_RETURN_URL: `${allowedOrigins[0]}/`,
    // The seller's pages the element links (a terms URL would add Stripe's terms checkbox to every checkout).
    LEGAL_PRIVACY_URL: 'https://seller.example/datenschutz',
    LEGAL_WITHDRAWAL_POLICY_URL: 'https://seller.example/widerruf',
  };
  let config = testServerConfig({ databaseUrl: database.url, sandbox, env });

  // The API can be stopped and started again on the same port (outage tests).
  let server: RunningServer | null = null;
  const startApi = async () => {
    if (server) return;
    server = await startNodeServer(config, { logger: silentLogger });
    config = { ...config, port: server.port };
  };
  const stopApi = async () => {
    const running = server;
    server = null;
    await running?.close();
  };
  await startApi();
  const apiBase = `http://127.0.0.1:${config.port}`;
  // The same API configured for another portal: the test page's origin is not among its ALLOWED_ORIGINS.
  const foreignServer = await startNodeServer(
    { ...config, port: 0, allowedOrigins: ['https://other-portal.example'] },
    { logger: silentLogger },
  );
  const foreignApiBase = `http://127.0.0.1:${foreignServer.port}`;
  // The same API for a portal that sells to businesses: no waiver, net prices (Stripe Tax adds the VAT).
  const businessServer = await startNodeServer(
    {
      ...testServerConfig({
        databaseUrl: database.url,
        sandbox,
        env: {
          ...env,
          CREDIT_TOPUP_SELL_TO: 'businesses',
          // Net prices, Stripe Tax adds the VAT: the element says "zzgl. MwSt.".
          CREDIT_TOPUP_VAT: 'added',
          STRIPE_AUTOMATIC_TAX: 'true',
        },
      }),
      port: 0,
    },
    { logger: silentLogger },
  );
  const businessApiBase = `http://127.0.0.1:${businessServer.port}`;
  // The same API offering any amount from 20 to 4000 credits in steps of 10 besides the packages.
  const customServer = await startNodeServer(
    {
      ...testServerConfig({
        databaseUrl: database.url,
        sandbox,
        env: { ...env, CREDIT_TOPUP_CUSTOM_AMOUNT: 'true' },
      }),
      port: 0,
    },
    { logger: silentLogger },
  );
  const customApiBase = `http://127.0.0.1:${customServer.port}`;
  sandbox.setWebhookUrl(`${apiBase}/v1/stripe/webhook`);
  // The same API as the Supabase store or the Edge Function serve it: no LISTEN, so no balance stream (501).
  const noStreamStore = createPostgresCreditStore(database.url);
  const noStreamServer = await listenOnNode(
    createAppFromConfig({ ...config, port: 0 }, noStreamStore, silentLogger).fetch,
  );
  const noStreamApiBase = noStreamServer.url;
  // Supabase Realtime for the element's live balance with a SupabaseClient (see realtime-stand-in.ts).
  const realtime = await startRealtimeStandIn(database.url, verifier);

  const readJson = (context: KoaContext) =>
    new Promise<Record<string, unknown>>((resolve) => {
      let text = '';
      context.req.on('data', (chunk) => (text += chunk));
      context.req.on('end', () => resolve(text ? JSON.parse(text) : {}));
    });

  const routes: Record<string, (context: KoaContext) => Promise<unknown>> = {
    'GET /__test/env': async () => ({
      apiBase,
      foreignApiBase,
      businessApiBase,
      customApiBase,
      noStreamApiBase,
      sandboxUrl: sandbox.url,
    }),
    'POST /__test/customer': async (context) => {
      const { expired, role } = await readJson(context);
      const tenant = await createTenant(database.sql);
      // A member by default; `owner` or `admin` may change the tenant's automatic top-up.
      if (role === 'owner' || role === 'admin')
        await database.sql`update public.memberships set role = ${role} where user_id = ${tenant.userId}`;
      return {
        ...tenant,
        token: await accessToken(tenant.userId, expired ? { expiresInSeconds: -120 } : {}),
      };
    },
    // Another member (role `member`) of an existing tenant, signed in.
    'POST /__test/member': async (context) => {
      const { tenantId } = await readJson(context);
      const userId = await createMember(database.sql, String(tenantId));
      return { tenantId, userId, token: await accessToken(userId) };
    },
    'POST /__test/token': async (context) => {
      const { userId, expired } = await readJson(context);
      return { token: await accessToken(String(userId), expired ? { expiresInSeconds: -120 } : {}) };
    },
    'GET /__test/balance': async (context) => ({
      balance: await balanceOf(database.sql, String(context.query.tenant)),
    }),
    'GET /__test/purchases': async (context) =>
      database.sql`select package_id, status, credited_credits, stripe_checkout_session_id as session_id,
                          withdrawal_waiver_version, withdrawal_waiver_user_id
                     from public.credit_purchases where tenant_id = ${String(context.query.tenant)} order by created_at`,
    'POST /__test/history': async (context) => {
      const { tenantId, userId, purchases } = await readJson(context);
      await seedHistory(
        database.sql,
        { tenantId: String(tenantId), userId: String(userId) },
        Number(purchases),
      );
      return { seeded: true };
    },
    // The portal spending credits as it does, in SQL through rpc_credit_deduct: no request to our server.
    'POST /__test/spend': async (context) => {
      const { tenantId, userId, credits } = await readJson(context);
      const [row] = await database.sql`
        select public.rpc_credit_deduct(${String(tenantId)}, ${Number(credits)}, 'ai_action', null, null,
                                        ${String(userId)}) as result`;
      return row!.result;
    },
    // Another tab of the portal: a page of its own that shows the element for the token in its fragment.
    'GET /__test/second-tab.html': async () =>
      `<!doctype html><meta charset="utf-8"><script type="module">
        import '/widget/credit-topup.ts';
        const given = new URLSearchParams(location.hash.slice(1));
        const element = document.createElement('credit-topup');
        element.setAttribute('api-base', given.get('api-base'));
        element.accessToken = given.get('token');
        document.body.append(element);
      </script>`,
    'GET /__test/realtime': async () => ({ url: realtime.url, joins: realtime.joins }),
    'POST /__test/realtime/drop': async () => {
      realtime.dropConnections();
      return { dropped: true };
    },
    'POST /__test/api/stop': async () => {
      await stopApi();
      return { stopped: true };
    },
    'POST /__test/api/start': async () => {
      await startApi();
      return { started: true };
    },
    // The API started again selling to consumers or businesses (the portal's setting changed).
    'POST /__test/api/sell-to': async (context) => {
      const { sellTo } = await readJson(context);
      await stopApi();
      config = {
        ...config,
        selling: { ...config.selling, sellTo: sellTo === 'businesses' ? 'businesses' : 'consumers' },
      };
      await startApi();
      return { sellTo: config.selling.sellTo };
    },
    'POST /__test/sandbox': async (context) => {
      const { path, body } = await readJson(context);
      const response = await fetch(`${sandbox.url}/__sandbox/${String(path)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return response.json();
    },
    // Supabase Auth cannot run here: the two calls supabase-js makes for setSession and signOut are
    // answered like GoTrue does, with the user of a token our verifier accepts.
    'GET /__test/supabase/auth/v1/user': async (context) => {
      const token = String(
        (context as unknown as { headers: Record<string, string> }).headers.authorization ?? '',
      ).replace(/^Bearer /, '');
      const { userId } = await verifier.verify(token);
      return goTrueUser(userId);
    },
    'POST /__test/supabase/auth/v1/logout': async () => ({}),
    // React is CommonJS; the React host page of the tests is bundled on request.
    'GET /__test/react-host.js': async () => {
      const result = await build({
        entryPoints: [new URL('../widget/react-host.ts', import.meta.url).pathname],
        bundle: true,
        format: 'esm',
        write: false,
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      return new TextDecoder().decode(result.outputFiles[0]!.contents);
    },
  };

  return {
    apiBase,
    sandbox,
    async middleware(context, next) {
      if (context.method === 'GET' && context.path === '/__test/csp-page') {
        // A host page that sends the README's Content-Security-Policy for the mode asked for.
        const mode = context.query.mode === 'hosted' ? 'hosted' : 'embedded';
        context.set('Content-Security-Policy', hostPagePolicy(mode, { api: apiBase, stripe: sandbox.url }));
        context.type = 'text/html';
        context.body = CSP_HOST_PAGE;
        return;
      }
      const route = routes[`${context.method} ${context.path}`];
      if (!route) return next();
      const result = await route(context);
      context.status = 200;
      if (typeof result === 'string') {
        context.type = context.path.endsWith('.html') ? 'text/html' : 'application/javascript';
        context.body = result;
      } else {
        context.type = 'application/json';
        context.body = JSON.stringify(result);
      }
    },
    async close() {
      await realtime.close();
      await noStreamServer.close();
      await noStreamStore.close();
      await stopApi();
      await foreignServer.close();
      await businessServer.close();
      await customServer.close();
      await sandbox.close();
      await database.drop();
      await stopOwnTestCluster();
    },
  };
}
