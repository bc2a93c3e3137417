import { Hono } from 'hono';
import type { PublicConfigResponse, StripeMode } from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY } from '../../credit-packages.ts';
import type { SellingSettings } from '../config.ts';
import { jsonAnswer, setAnswerHeader } from '../http/answer-headers.ts';
import type { AppEnv } from '../http/app-env.ts';
import { CURRENT_WITHDRAWAL_WAIVER } from '../selling/withdrawal-waiver.ts';

export interface PublicConfig {
  publishableKey: string;
  stripeMode: StripeMode;
  /** In sandbox mode: where the element loads the Stripe.js stand-in instead of js.stripe.com. */
  stripeJsUrl: string | null;
  selling: SellingSettings;
}

export function publicConfigRoutes(config: PublicConfig) {
  const body: PublicConfigResponse = {
    publishable_key: config.publishableKey,
    currency: CREDIT_CURRENCY,
    stripe_mode: config.stripeMode,
    ...(config.stripeMode === 'sandbox' && config.stripeJsUrl ? { stripe_js_url: config.stripeJsUrl } : {}),
    sell_to: config.selling.sellTo,
    vat: config.selling.vat,
    // Only consumers have the withdrawal right the waiver is about (§ 312g BGB).
    withdrawal_waiver: config.selling.sellTo === 'consumers' ? CURRENT_WITHDRAWAL_WAIVER : null,
    legal: {
      terms_url: config.selling.legal.termsUrl,
      privacy_url: config.selling.legal.privacyUrl,
      withdrawal_policy_url: config.selling.legal.withdrawalPolicyUrl,
    },
  };
  return new Hono<AppEnv>().get('/v1/config', (c) => {
    setAnswerHeader(c, 'Cache-Control', 'public, max-age=300');
    return jsonAnswer(c, body);
  });
}
