import { Hono, type MiddlewareHandler } from 'hono';
import type {
  CheckoutSessionStatusResponse,
  CreateCheckoutSessionResponse,
  CreateHostedCheckoutSessionResponse,
} from '../../contract/credit-topup-api.ts';
import { jsonAnswer, setAnswerHeader } from '../http/answer-headers.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { checkoutLocale } from '../http/checkout-locale.ts';
import { limitPerUser } from '../http/limit-per-user.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import { readJsonObject } from '../http/read-json-body.ts';
import { requestHeader } from '../http/request-header.ts';
import { checkoutSessionStatus } from '../purchases/checkout-session-status.ts';
import {
  CheckoutRateLimited,
  type CreateCheckoutDeps,
  createCheckout,
} from '../purchases/create-checkout.ts';
import type { CheckoutSessionReader } from '../stripe/checkout-session-reader.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function checkoutSessionRoutes(
  deps: CreateCheckoutDeps & {
    sessionStatusRateLimiter: RateLimiter;
    sessionReader: CheckoutSessionReader;
  },
  auth: { requireUser: MiddlewareHandler<AppEnv>; requireTenant: MiddlewareHandler<AppEnv> },
) {
  // Each look-up of an open session may ask Stripe: a browser (or a script) may not ask without end.
  const limitLookUps = limitPerUser(
    deps.sessionStatusRateLimiter,
    (seconds) => `Too many status requests. Please wait ${seconds} s.`,
  );
  return (
    new Hono<AppEnv>()
      // The tenant is resolved (403 no_tenant) and the checkout limit counted (429) by the first ledger
      // call of createCheckout, once the request proved valid: one round trip for all of it.
      .post('/v1/checkout-sessions', auth.requireUser, async (c) => {
        const userId = c.get('userId');
        const body = await readJsonObject(c);
        const idempotencyKey = requestHeader(c, 'idempotency-key') ?? null;
        if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
          throw new ApiError(
            'invalid_idempotency_key',
            'Idempotency-Key must be 1 to 255 visible ASCII characters.',
          );
        }
        const timing = { stripeMs: 0 };
        let created: CreateCheckoutSessionResponse | CreateHostedCheckoutSessionResponse;
        try {
          created = await createCheckout(
            deps,
            {
              userId,
              packageId: body.package_id,
              credits: body.credits,
              ui: body.checkout,
              locale: checkoutLocale(body.locale, requestHeader(c, 'accept-language')),
              idempotencyKey,
              withdrawalWaiver: body.withdrawal_waiver,
              withdrawalWaiverVersion: body.withdrawal_waiver_version,
            },
            timing,
          );
        } catch (error) {
          if (error instanceof CheckoutRateLimited) {
            const retryAfter = String(error.retryAfterSeconds);
            throw new ApiError(error.code, error.message, { 'Retry-After': retryAfter });
          }
          throw error;
        } finally {
          // Also on a failure: how long Stripe took is half of what a slow or failed checkout means.
          setAnswerHeader(c, 'Server-Timing', `stripe;dur=${timing.stripeMs.toFixed(2)}`, { append: true });
        }
        return jsonAnswer(c, created, 201);
      })
      .get('/v1/checkout-sessions/:id', auth.requireUser, limitLookUps, auth.requireTenant, async (c) => {
        const { purchase, status, paymentStatus, availableCredits } = await checkoutSessionStatus(deps, {
          tenantId: c.get('caller').tenantId,
          sessionId: c.req.param('id'),
        });
        return jsonAnswer(c, {
          id: c.req.param('id'),
          status,
          payment_status: paymentStatus,
          package_id: purchase.packageId,
          credits: purchase.credits,
          credited: purchase.creditedCredits > 0,
          purchase_status: purchase.status,
          balance: availableCredits,
          receipt_url: purchase.receiptUrl,
          invoice_url: purchase.invoiceUrl,
          invoice_pdf_url: purchase.invoicePdfUrl,
        } satisfies CheckoutSessionStatusResponse);
      })
  );
}
