// createApp(deps): the whole HTTP interface wired to injected dependencies, no globals. It is a value:
// Node and Deno serve the same one, and tests call it in-process with app.request() or on a port. Every
// entry point builds it from a configuration through createAppFromConfig.

import { type Context, Hono } from 'hono';
import type Stripe from 'stripe';
import type { AccessTokenVerifier } from './auth/access-token-verifier.ts';
import { createRechargeSweeper, type RechargeSweeper } from './auto-recharge/recharge-worker.ts';
import type { AutoRechargeConfig, BalanceStreamSettings, StripeMode } from './config.ts';
import { CreditTopupError } from './errors.ts';
import { completeAnswerHeaders, jsonAnswer, startAnswerHeaders } from './http/answer-headers.ts';
import { ApiError, errorBody, STATUS_OF_CODE } from './http/api-error.ts';
import { type ApiPart, servesPath } from './http/api-parts.ts';
import type { AppEnv } from './http/app-env.ts';
import { limitBody } from './http/body-limit.ts';
import { requireTenant, requireUser } from './http/caller.ts';
import { corsForOrigins } from './http/cors.ts';
import { createDatabaseRateLimiter } from './http/database-rate-limiter.ts';
import { type Logger, RequestLogger } from './http/logger.ts';
import { createMemoryRateLimiter, type RateLimit, type RateLimitStore } from './http/rate-limiter.ts';
import { requestHeader } from './http/request-header.ts';
import { type CreditStore, LedgerUnavailableError } from './ledger/credit-store.ts';
import type { BalanceUpdates } from './live/balance-updates.ts';
import { autoRechargeRoutes } from './routes/auto-recharge.ts';
import { balanceRoutes } from './routes/balance.ts';
import { balanceStreamRoutes } from './routes/balance-stream.ts';
import { checkoutSessionRoutes } from './routes/checkout-sessions.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { packageRoutes } from './routes/packages.ts';
import { publicConfigRoutes } from './routes/public-config.ts';
import { stripeWebhookRoutes } from './routes/stripe-webhook.ts';
import { callStripe } from './stripe/call-stripe.ts';
import { type CheckoutOptions, packageTaxBehavior } from './stripe/checkout-session-params.ts';
import { createCheckoutSessionReader } from './stripe/checkout-session-reader.ts';
import { createPackagePrices } from './stripe/package-prices.ts';
import { createTenantCustomers } from './stripe/tenant-customers.ts';

export interface AppDeps {
  store: CreditStore;
  stripe: Stripe;
  verifier: AccessTokenVerifier;
  logger: Logger;
  stripeSettings: {
    publishableKey: string;
    mode: StripeMode;
    webhookSecrets: readonly string[];
    /** Sandbox only: the Stripe.js stand-in the element loads. */
    stripeJsUrl?: string | null;
  };
  checkout: CheckoutOptions;
  allowedOrigins: readonly string[];
  checkoutRateLimit: RateLimit;
  sessionStatusRateLimit: RateLimit;
  /** `database` whenever more than one instance may serve the API; `memory` for exactly one process. */
  rateLimitStore: RateLimitStore;
  /** An open session is asked of Stripe at most once per this many milliseconds. */
  sessionStripeIntervalMs: number;
  /** The part of the interface this instance answers (default `all`); any other path is `not_found`. */
  serves?: ApiPart;
  /** The database's balance announcements; null where there is no LISTEN (Supabase store, Deno). */
  balanceUpdates?: BalanceUpdates | null;
  balanceStream: BalanceStreamSettings;
  /** Automatic top-up: its retry backoff and who may call its sweep. */
  autoRecharge: Pick<AutoRechargeConfig, 'retryBaseSeconds' | 'leaseSeconds' | 'sweepTokens'>;
  /** The sweep this instance runs when the schedule calls it (one is made from the deps otherwise). */
  rechargeSweeper?: RechargeSweeper;
}

const API_BODY_LIMIT = 16 * 1024;
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp(deps: AppDeps) {
  const { store, stripe, logger } = deps;
  const now = Date.now;
  const prices = createPackagePrices(stripe, {
    taxBehavior: packageTaxBehavior(deps.checkout.selling),
    onError: (error) => logger.warn('stripe prices unavailable', { error }),
  });
  const livemode = deps.stripeSettings.mode === 'live';
  const user = requireUser(deps.verifier);
  const tenant = requireTenant(store);
  const rateLimiter = (limitName: string, limit: RateLimit) =>
    deps.rateLimitStore === 'database'
      ? createDatabaseRateLimiter(store, limitName, limit)
      : createMemoryRateLimiter(limit, now);
  const app = new Hono<AppEnv>();

  // One middleware for what every request gets: an id, the security headers, Server-Timing and one log
  // line. Each is made cheaply (see answer-headers.ts and logger.ts): they run for every request.
  app.use('*', async (c, next) => {
    const incoming = requestHeader(c, 'x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', requestId);
    c.set('logger', new RequestLogger(logger, requestId));
    startAnswerHeaders(c, requestId);
    await next();
    // An answer not made by jsonAnswer (a CORS preflight, a middleware's own): the same headers, added.
    if (!c.get('answeredWithHeaders')) completeAnswerHeaders(c, c.res);
    const duration = performance.now() - c.get('startedAt');
    logger.info('request', {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(duration * 10) / 10,
      ...c.get('logFields'),
    });
  });

  const notFound = (c: Context<AppEnv>) =>
    jsonAnswer(c, errorBody('not_found', 'No such endpoint.'), STATUS_OF_CODE.not_found);
  const serves = deps.serves ?? 'all';
  if (serves !== 'all') {
    app.use('*', async (c, next) => {
      if (!servesPath(serves, c.req.path)) return notFound(c);
      await next();
    });
  }

  const tooLarge = (limit: number) =>
    limitBody(limit, (c) =>
      jsonAnswer(
        c,
        errorBody('payload_too_large', `The request body is larger than ${limit / 1024} KB.`),
        STATUS_OF_CODE.payload_too_large,
      ),
    );
  // Browsers call /v1/* (CORS, small bodies); Stripe calls the webhook (no Origin, larger events).
  const isWebhook = (path: string) => path === '/v1/stripe/webhook';
  const cors = corsForOrigins(deps.allowedOrigins);
  const apiBodyLimit = tooLarge(API_BODY_LIMIT);
  app.use('/v1/stripe/webhook', tooLarge(WEBHOOK_BODY_LIMIT));
  app.use('/v1/*', (c, next) => (isWebhook(c.req.path) ? next() : cors(c, next)));
  app.use('/v1/*', (c, next) => (isWebhook(c.req.path) ? next() : apiBodyLimit(c, next)));

  app.route('/', healthRoutes(store));
  app.route(
    '/',
    publicConfigRoutes({
      publishableKey: deps.stripeSettings.publishableKey,
      stripeMode: deps.stripeSettings.mode,
      stripeJsUrl: deps.stripeSettings.stripeJsUrl ?? null,
      selling: deps.checkout.selling,
    }),
  );
  app.route('/', packageRoutes(deps.checkout.customAmount));
  app.route('/', balanceRoutes(store, user));
  app.route('/', historyRoutes(store, user));
  app.route(
    '/',
    balanceStreamRoutes({ store, updates: deps.balanceUpdates ?? null, settings: deps.balanceStream }, user),
  );
  const tenantCustomers = createTenantCustomers(stripe, store, { livemode });
  const checkoutRateLimiter = rateLimiter('checkout_create', deps.checkoutRateLimit);
  app.route(
    '/',
    autoRechargeRoutes(
      {
        store,
        stripe,
        tenantCustomers,
        livemode,
        returnUrl: deps.checkout.returnUrl,
        customAmount: deps.checkout.customAmount,
        sweeper:
          deps.rechargeSweeper ??
          createRechargeSweeper({ store, stripe, logger, settings: deps.autoRecharge }),
        sweepTokens: deps.autoRecharge.sweepTokens,
        checkoutRateLimiter,
        now,
      },
      user,
    ),
  );
  app.route(
    '/',
    checkoutSessionRoutes(
      {
        store,
        stripe,
        prices,
        tenantCustomers,
        livemode,
        options: deps.checkout,
        now,
        checkoutRateLimiter,
        sessionStatusRateLimiter: rateLimiter('session_status', deps.sessionStatusRateLimit),
        sessionReader: createCheckoutSessionReader(
          (sessionId) => callStripe(() => stripe.checkout.sessions.retrieve(sessionId)),
          { freshForMs: deps.sessionStripeIntervalMs, now },
        ),
      },
      { requireUser: user, requireTenant: tenant },
    ),
  );
  app.route(
    '/',
    stripeWebhookRoutes({
      store,
      stripe,
      webhookSecrets: deps.stripeSettings.webhookSecrets,
      livemode,
      autoRechargeRetryBaseSeconds: deps.autoRecharge.retryBaseSeconds,
    }),
  );

  app.notFound(notFound);
  app.onError((error, c) => {
    const log = c.get('logger') ?? logger;
    if (error instanceof LedgerUnavailableError) {
      log.error('database unavailable', { error });
      return jsonAnswer(
        c,
        errorBody('database_unavailable', 'The database is not reachable right now. Please try again.'),
        STATUS_OF_CODE.database_unavailable,
      );
    }
    if (error instanceof CreditTopupError) {
      const status = STATUS_OF_CODE[error.code];
      // Refusals of a request are the client's business; failures on our side (or Stripe's) are logged.
      if (status >= 500) log.error(error.message, { code: error.code, error: error.cause ?? error });
      const headers = error instanceof ApiError ? error.headers : {};
      return jsonAnswer(c, errorBody(error.code, error.message), status, headers);
    }
    log.error('unhandled error', { error });
    return jsonAnswer(
      c,
      errorBody('internal_error', 'Something went wrong on our side.'),
      STATUS_OF_CODE.internal_error,
    );
  });
  return app;
}

export type CreditTopupApp = ReturnType<typeof createApp>;
