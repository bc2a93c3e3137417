// The one place the official SDK is configured. Fetch-based, so the same code runs on Node and Deno;
// STRIPE_API_BASE points it at the offline sandbox (config refuses that with a live key).

import Stripe from 'stripe';
import type { StripeSettings } from '../config.ts';

export function createStripeClient(
  settings: Pick<StripeSettings, 'secretKey' | 'apiBase' | 'timeoutMs' | 'maxNetworkRetries'>,
): Stripe {
  const base = settings.apiBase;
  return new Stripe(settings.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    timeout: settings.timeoutMs,
    maxNetworkRetries: settings.maxNetworkRetries,
    appInfo: { name: 'credit-topup' },
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** Stripe could not be reached or failed on its side: the caller answers 502 stripe_unavailable. */
export function isStripeUnavailable(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error.statusCode ?? 0) >= 500
  );
}
