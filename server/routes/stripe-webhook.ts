import { Hono } from 'hono';
import type Stripe from 'stripe';
import type { StripeWebhookResponse } from '../../contract/credit-topup-api.ts';
import { jsonAnswer } from '../http/answer-headers.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { requestHeader } from '../http/request-header.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { receiveStripeEvent } from '../purchases/receive-stripe-event.ts';
import { verifyWebhookEvent } from '../stripe/verify-webhook.ts';

export interface StripeWebhookDeps {
  store: CreditStore;
  stripe: Stripe;
  webhookSecrets: readonly string[];
  livemode: boolean;
  autoRechargeRetryBaseSeconds?: number;
}

export function stripeWebhookRoutes(deps: StripeWebhookDeps) {
  return new Hono<AppEnv>().post('/v1/stripe/webhook', async (c) => {
    // The signature covers the exact bytes Stripe sent: verify the raw body, parse only afterwards.
    const rawBody = await c.req.text();
    const event = await verifyWebhookEvent(
      deps.stripe,
      rawBody,
      requestHeader(c, 'stripe-signature'),
      deps.webhookSecrets,
    );
    if (!event) {
      throw new ApiError(
        'signature_invalid',
        'The Stripe-Signature header is missing, stale or does not match the body.',
      );
    }
    // Answered only after the ledger has committed: a failure here is a 5xx and Stripe delivers again.
    // An event that can never be applied is recorded as refused and answered 200 like any other.
    const { outcome, purchaseId, refusal, refusedForTheFirstTime } = await receiveStripeEvent(event, deps);
    const fields = { event_id: event.id, type: event.type, outcome, purchase_id: purchaseId };
    if (refusedForTheFirstTime) c.get('logger').warn('stripe event refused', { ...fields, reason: refusal });
    // Everything else about the event goes on the request's own log line: one line per delivery.
    c.set('logFields', fields);
    return jsonAnswer(c, { received: true } satisfies StripeWebhookResponse);
  });
}
