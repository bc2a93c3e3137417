import { Hono, type MiddlewareHandler } from 'hono';
import type Stripe from 'stripe';
import { findCreditPackage } from '../../credit-packages.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import { readJsonObject } from '../http/read-json-body.ts';
import type { Purchase } from '../ledger/credit-store.ts';
import type { CheckoutLocale } from '../stripe/checkout-session-params.ts';
import {
  type CreateCheckoutSessionDeps,
  createCheckoutSession,
  stripeFailure,
} from '../stripe/create-checkout-session.ts';
import { fulfilCheckoutSession, isSessionPaid } from '../stripe/fulfil-checkout-session.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

export function checkoutSessionRoutes(
  deps: CreateCheckoutSessionDeps & { rateLimiter: RateLimiter },
  auth: { requireCaller: MiddlewareHandler<AppEnv>; requireUser: MiddlewareHandler<AppEnv> },
) {
  const { store, stripe } = deps;
  const { requireCaller, requireUser } = auth;
  return (
    new Hono<AppEnv>()
      // The tenant is resolved by the ledger call that opens the purchase (403 no_tenant from there).
      .post('/v1/checkout-sessions', requireUser, async (c) => {
        const userId = c.get('userId');
        const retryAfter = deps.rateLimiter.take(userId);
        if (retryAfter !== null) {
          throw new ApiError(
            429,
            'rate_limited',
            `Too many checkouts started. Please wait ${retryAfter} s.`,
            {
              'Retry-After': String(retryAfter),
            },
          );
        }
        const body = await readJsonObject(c);
        const creditPackage = findCreditPackage(body.package_id);
        if (!creditPackage) {
          throw new ApiError(
            400,
            'unknown_package',
            'Choose one of the packages listed by GET /v1/packages.',
          );
        }
        const idempotencyKey = c.req.header('idempotency-key') ?? null;
        if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
          throw new ApiError(
            400,
            'invalid_idempotency_key',
            'Idempotency-Key must be 1 to 255 visible ASCII characters.',
          );
        }
        const timing = { stripeMs: 0 };
        const session = await createCheckoutSession(
          deps,
          {
            userId,
            creditPackage,
            locale: checkoutLocale(body.locale, c.req.header('accept-language')),
            idempotencyKey,
          },
          timing,
        );
        c.header('Server-Timing', `stripe;dur=${timing.stripeMs.toFixed(2)}`, { append: true });
        return c.json(session, 201);
      })
      .get('/v1/checkout-sessions/:id', requireCaller, async (c) => {
        const { tenantId } = c.get('caller');
        const sessionId = c.req.param('id');
        // Another tenant's session is answered exactly like one that does not exist.
        let purchase = SESSION_ID.test(sessionId)
          ? await store.findPurchaseBySession(tenantId, sessionId)
          : null;
        if (!purchase) throw new ApiError(404, 'not_found', 'No such checkout session.');

        let status: string;
        let paymentStatus: string;
        if (purchase.creditedCredits > 0) {
          status = 'complete';
          paymentStatus = 'paid';
        } else {
          const session = await retrieveSession(stripe, sessionId);
          status = session.status ?? 'open';
          paymentStatus = session.payment_status;
          // The return path fulfils too, through the same exactly-once function as the webhook.
          if (isSessionPaid(session)) {
            const result = await fulfilCheckoutSession(store, session);
            if (result.ok) purchase = result.purchase;
            else if (result.purchase) purchase = result.purchase;
          }
        }
        const balance = await store.getBalance(tenantId);
        return c.json(checkoutSessionBody(purchase, status, paymentStatus, balance.availableCredits));
      })
  );
}

async function retrieveSession(stripe: Stripe, sessionId: string) {
  try {
    return await stripe.checkout.sessions.retrieve(sessionId);
  } catch (error) {
    throw stripeFailure(error);
  }
}

function checkoutSessionBody(purchase: Purchase, status: string, paymentStatus: string, balance: number) {
  return {
    id: purchase.stripeCheckoutSessionId,
    status,
    payment_status: paymentStatus,
    package_id: purchase.packageId,
    credits: purchase.credits,
    credited: purchase.creditedCredits > 0,
    purchase_status: purchase.status,
    balance,
  };
}

export function checkoutLocale(requested: unknown, acceptLanguage: string | undefined): CheckoutLocale {
  if (requested === 'de' || requested === 'en') return requested;
  const first = acceptLanguage?.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'de';
}
