import { Hono } from 'hono';
import type { PublicConfigResponse, StripeMode } from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY } from '../../credit-packages.ts';
import type { AppEnv } from '../http/app-env.ts';

export interface PublicConfig {
  publishableKey: string;
  stripeMode: StripeMode;
  /** In sandbox mode: where the element loads the Stripe.js stand-in instead of js.stripe.com. */
  stripeJsUrl: string | null;
}

export function publicConfigRoutes(config: PublicConfig) {
  const body: PublicConfigResponse = {
    publishable_key: config.publishableKey,
    currency: CREDIT_CURRENCY,
    stripe_mode: config.stripeMode,
    ...(config.stripeMode === 'sandbox' && config.stripeJsUrl ? { stripe_js_url: config.stripeJsUrl } : {}),
  };
  return new Hono<AppEnv>().get('/v1/config', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(body);
  });
}
