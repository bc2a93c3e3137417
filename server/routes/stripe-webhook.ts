import { Hono } from 'hono';
import type Stripe from 'stripe';
import type { StripeWebhookResponse } from '../../contract/credit-topup-api.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { applyStripeEvent } from '../purchases/apply-stripe-event.ts';
import { verifyWebhookEvent } from '../stripe/verify-webhook.ts';

export interface StripeWebhookDeps {
  store: CreditStore;
  stripe: Stripe;
  webhookSecrets: readonly string[];
  livemode: boolean;
}

export function stripeWebhookRoutes(deps: StripeWebhookDeps) {
  return new Hono<AppEnv>().post('/v1/stripe/webhook', async (c) => {
    // The signature covers the exact bytes Stripe sent: verify the raw body, parse only afterwards.
    const rawBody = await c.req.text();
    const event = await verifyWebhookEvent(
      deps.stripe,
      rawBody,
      c.req.header('stripe-signature'),
      deps.webhookSecrets,
    );
    if (!event) {
      throw new ApiError(
        'signature_invalid',
        'The Stripe-Signature header is missing, stale or does not match the body.',
      );
    }
    // Answered only after the ledger has committed: a failure here is a 5xx and Stripe delivers again.
    const { outcome, purchaseId } = await applyStripeEvent(event, deps);
    c.get('logger').info('stripe event', {
      event_id: event.id,
      type: event.type,
      outcome,
      purchase_id: purchaseId,
    });
    return c.json({ received: true } satisfies StripeWebhookResponse);
  });
}
