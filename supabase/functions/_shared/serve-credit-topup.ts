// What every credit-topup Edge Function does (Deno): the same Hono app as on Node, configured from
// Deno.env and served with Deno.serve under the function's name. Edge Functions get SUPABASE_URL and
// SUPABASE_SERVICE_ROLE_KEY, so the `supabase` store is the default; DATABASE_URL selects `postgres`.
// Supabase deploys no folder whose name starts with `_`: this one is bundled into each function.

import { createAppFromConfig } from '../../../server/app-from-config.ts';
import { ConfigError, readConfig, type ServerConfig } from '../../../server/config.ts';
import type { ApiPart } from '../../../server/http/api-parts.ts';
import { createJsonLogger } from '../../../server/http/logger.ts';
import { openCreditStore } from '../../../server/ledger/open-credit-store.ts';

declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port?: number; hostname?: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

export async function serveCreditTopup(functionName: string, serves: ApiPart): Promise<void> {
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
  const app = createAppFromConfig(config, store, createJsonLogger(), { serves });

  Deno.serve(
    {
      ...(env.PORT ? { port: Number(env.PORT), hostname: env.HOST ?? '127.0.0.1' } : {}),
      onListen: ({ port }) =>
        console.log(
          JSON.stringify({ level: 'info', message: `${functionName} edge function listening`, port }),
        ),
    },
    (request) => app.fetch(withoutFunctionName(request, functionName)),
  );
}

/**
 * On Supabase the function sees its own name as the first path segment (/<name>/v1/…); the app sees
 * the path without it, exactly as on Node (its limits and CORS go by path: the webhook's 1 MB body limit
 * applies to /v1/stripe/webhook, not to /<name>/v1/stripe/webhook). Served directly (tests, `deno run`)
 * a path without the name is taken as it is.
 */
function withoutFunctionName(request: Request, functionName: string): Request {
  const url = new URL(request.url);
  const prefix = `/${functionName}`;
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return request;
  url.pathname = url.pathname.slice(prefix.length) || '/';
  return new Request(url, request);
}
