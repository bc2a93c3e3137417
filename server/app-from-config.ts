// The app as a validated configuration describes it, for every entry point (Node's server/main.ts and
// the Deno Edge Function): one place that turns ServerConfig into createApp's dependencies.

import { createApp } from './app.ts';
import { createAccessTokenVerifier } from './auth/access-token-verifier.ts';
import type { RechargeSweeper } from './auto-recharge/recharge-worker.ts';
import type { ServerConfig } from './config.ts';
import type { ApiPart } from './http/api-parts.ts';
import type { Logger } from './http/logger.ts';
import type { CreditStore } from './ledger/credit-store.ts';
import type { BalanceUpdates } from './live/balance-updates.ts';
import { createStripeClient } from './stripe/stripe-client.ts';

export function createAppFromConfig(
  config: ServerConfig,
  store: CreditStore,
  logger: Logger,
  options: {
    serves?: ApiPart;
    /** The Node server's LISTEN on the database; without it GET /v1/balance/stream answers 501. */
    balanceUpdates?: BalanceUpdates | null;
    /** The Node server's own sweeper, shared by its worker and the sweep endpoint. */
    rechargeSweeper?: RechargeSweeper;
  } = {},
) {
  // Said once per instance, so that an operator can see which limits hold across instances.
  logger.info('rate limits', {
    rate_limit_store: config.rateLimitStore,
    shared_by_instances: config.rateLimitStore === 'database',
  });
  return createApp({
    store,
    stripe: createStripeClient(config.stripe),
    verifier: createAccessTokenVerifier(config.auth),
    logger,
    stripeSettings: {
      publishableKey: config.stripe.publishableKey,
      mode: config.stripe.mode,
      webhookSecrets: config.stripe.webhookSecrets,
      // In sandbox mode the element loads the sandbox's Stripe.js stand-in instead of js.stripe.com.
      stripeJsUrl: config.stripe.apiBase
        ? new URL('/stripe-js-stand-in.js', config.stripe.apiBase).toString()
        : null,
    },
    checkout: {
      returnUrl: config.publicReturnUrl,
      invoiceCreation: config.stripe.invoiceCreation,
      allowPromotionCodes: config.stripe.allowPromotionCodes,
      automaticTax: config.stripe.automaticTax,
      adaptivePricing: config.stripe.adaptivePricing,
      selling: config.selling,
      customAmount: config.customAmount,
    },
    allowedOrigins: config.allowedOrigins,
    checkoutRateLimit: config.checkoutRateLimit,
    sessionStatusRateLimit: config.sessionStatusRateLimit,
    rateLimitStore: config.rateLimitStore,
    sessionStripeIntervalMs: config.sessionStripeIntervalMs,
    serves: options.serves,
    balanceUpdates: options.balanceUpdates ?? null,
    balanceStream: config.balanceStream,
    autoRecharge: config.autoRecharge,
    rechargeSweeper: options.rechargeSweeper,
  });
}
