// The credit-topup server as a Supabase Edge Function (Deno): the same Hono app as on Node, served with
// Deno.serve, configured from Deno.env. Edge Functions get SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY,
// so the `supabase` store is the default; DATABASE_URL selects the `postgres` store instead.
//
// Deploy: supabase functions deploy credit-topup --no-verify-jwt
// (Stripe's webhook carries no Supabase JWT; the app verifies user tokens itself.)

import { Hono } from 'hono';
import { createAppFromConfig } from '../../../server/app-from-config.ts';
import { ConfigError, readConfig, type ServerConfig } from '../../../server/config.ts';
import { createJsonLogger } from '../../../server/http/logger.ts';
import { openCreditStore } from '../../../server/ledger/open-credit-store.ts';

declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port?: number; hostname?: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const FUNCTION_NAME = 'credit-topup';
const env = Deno.env.toObject();
// Supabase reserves the SUPABASE_ prefix for secrets set by users; the legacy JWT secret can be given as
// CREDIT_TOPUP_JWT_SECRET (without it, tokens are verified with the project's JWKS).
if (!env.SUPABASE_JWT_SECRET && env.CREDIT_TOPUP_JWT_SECRET)
  env.SUPABASE_JWT_SECRET = env.CREDIT_TOPUP_JWT_SECRET;
// Many short-lived isolates share the database: each keeps few connections unless told otherwise.
env.DATABASE_POOL_MAX ??= '3';

let config: ServerConfig;
try {
  config = readConfig(env, { embeddedDataDir: '', embeddedPort: 0 });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  throw error;
}

if (config.ledger.kind === 'embedded') {
  throw new Error(
    'on Deno set DATABASE_URL, or SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY (no embedded database here)',
  );
}
// Every request may land on another isolate: limits counted in one isolate's memory would limit nothing.
if (config.rateLimitStore !== 'database') {
  throw new Error('RATE_LIMIT_STORE=memory is refused on Edge Functions (many isolates): use database');
}
// The same store-opening code as Node's server/main.ts.
const { store } = await openCreditStore(config.ledger);

const app = createAppFromConfig(config, store, createJsonLogger());

// On Supabase the function sees its own name as the first path segment (/credit-topup/v1/…);
// served directly (tests, `deno run`) it is mounted at the root as on Node.
const root = new Hono();
root.route(`/${FUNCTION_NAME}`, app);
root.route('/', app);

Deno.serve(
  {
    ...(env.PORT ? { port: Number(env.PORT), hostname: env.HOST ?? '127.0.0.1' } : {}),
    onListen: ({ port }) =>
      console.log(JSON.stringify({ level: 'info', message: 'credit-topup edge function listening', port })),
  },
  root.fetch,
);
