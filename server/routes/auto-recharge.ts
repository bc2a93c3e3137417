// Automatic top-up over HTTP: its settings and status for the caller's tenant, saving a card through a
// setup-mode Checkout, the client secret of a payment that waits for the customer (3-D Secure), and the
// sweep a schedule calls where no server process runs all the time (Supabase Edge Functions).

import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type Stripe from 'stripe';
import type {
  AutoRechargeConfirmationResponse,
  AutoRechargeResponse,
  AutoRechargeSweepResponse,
  CreateCheckoutSessionResponse,
} from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY, type CreditPackage, creditPackages } from '../../credit-packages.ts';
import { autoRechargeAnswer } from '../auto-recharge/auto-recharge-answer.ts';
import type { RechargeSweeper } from '../auto-recharge/recharge-worker.ts';
import { recordCardOfSetupSession, setupSessionParams } from '../auto-recharge/saved-card.ts';
import { autoRechargeSettingsOf } from '../auto-recharge/settings-request.ts';
import type { CustomAmountSettings } from '../config.ts';
import { CreditTopupError, noTenant } from '../errors.ts';
import { jsonAnswer } from '../http/answer-headers.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { checkoutLocale } from '../http/checkout-locale.ts';
import type { RateLimiter } from '../http/rate-limiter.ts';
import { readJsonObject } from '../http/read-json-body.ts';
import { requestHeader } from '../http/request-header.ts';
import type { AutoRechargeOverview, CreditStore } from '../ledger/credit-store.ts';
import { CheckoutRateLimited, prepareCountedCheckout } from '../purchases/create-checkout.ts';
import { callStripe } from '../stripe/call-stripe.ts';
import type { TenantCustomers } from '../stripe/tenant-customers.ts';

export interface AutoRechargeRouteDeps {
  store: CreditStore;
  stripe: Stripe;
  tenantCustomers: TenantCustomers;
  livemode: boolean;
  returnUrl: string;
  customAmount: CustomAmountSettings | null | undefined;
  sweeper: RechargeSweeper;
  /** Saving a card asks Stripe for a session: counted against the checkout limit. */
  checkoutRateLimiter: RateLimiter;
  /** Bearer tokens that may call the sweep: the service role key, a sweep secret; none: nobody may. */
  sweepTokens: readonly string[];
  now: () => number;
}

const BEARER = /^Bearer\s+(\S+)$/i;
const SESSION_ID = /^cs_[A-Za-z0-9_]{1,250}$/;

export function autoRechargeRoutes(deps: AutoRechargeRouteDeps, requireUser: MiddlewareHandler<AppEnv>) {
  const { store } = deps;
  const ofUser = async (userId: string): Promise<AutoRechargeOverview> => {
    const found = await store.autoRechargeOfUser(userId);
    if (!found) throw noTenant();
    return found;
  };
  const manager = async (userId: string): Promise<AutoRechargeOverview> => {
    const found = await ofUser(userId);
    if (!found.canManage) throw forbidden();
    return found;
  };

  return new Hono<AppEnv>()
    .get('/v1/auto-recharge', requireUser, async (c) =>
      jsonAnswer(c, autoRechargeAnswer(await ofUser(c.get('userId'))) satisfies AutoRechargeResponse),
    )
    .put('/v1/auto-recharge', requireUser, async (c) => {
      const settings = autoRechargeSettingsOf(await readJsonObject(c), deps.customAmount);
      const result = await store.saveAutoRecharge({
        userId: c.get('userId'),
        ...settings,
        currency: CREDIT_CURRENCY,
        livemode: deps.livemode,
      });
      if (!result.ok) throw refusal(result.code);
      return jsonAnswer(c, autoRechargeAnswer(result.autoRecharge) satisfies AutoRechargeResponse);
    })
    .post('/v1/auto-recharge/setup-session', requireUser, async (c) => {
      const userId = c.get('userId');
      const body = await readJsonObject(c);
      const { tenantId } = await manager(userId);
      const customerId = await deps.tenantCustomers.customerFor(tenantId, await knownCustomer(deps, userId));
      const session = await callStripe(() =>
        deps.stripe.checkout.sessions.create(
          setupSessionParams({
            tenantId,
            userId,
            customerId,
            locale: checkoutLocale(body.locale, requestHeader(c, 'accept-language')),
            returnUrl: deps.returnUrl,
            nowSeconds: Math.floor(deps.now() / 1000),
          }),
        ),
      );
      if (!session.client_secret) throw new CreditTopupError('stripe_error', 'Stripe gave no client secret.');
      return jsonAnswer(
        c,
        {
          id: session.id,
          client_secret: session.client_secret,
          expires_at: session.expires_at,
        } satisfies CreateCheckoutSessionResponse,
        201,
      );
    })
    .post('/v1/auto-recharge/payment-method', requireUser, async (c) => {
      const userId = c.get('userId');
      const body = await readJsonObject(c);
      const sessionId = body.setup_session_id;
      if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
        throw new CreditTopupError('invalid_request', 'setup_session_id must be a Checkout Session id.');
      }
      const { tenantId } = await manager(userId);
      const session = await readSetupSession(deps.stripe, sessionId);
      const recorded = await recordCardOfSetupSession(session, deps, tenantId);
      if (recorded === 'not_complete') {
        throw new CreditTopupError('checkout_session_closed', 'The card has not been saved yet.');
      }
      return jsonAnswer(c, autoRechargeAnswer(await ofUser(userId)) satisfies AutoRechargeResponse);
    })
    .post('/v1/auto-recharge/confirmation', requireUser, async (c) => {
      const { confirmation } = await ofUser(c.get('userId'));
      if (!confirmation?.paymentIntentId || !confirmation.paymentMethodId) throw nothingToConfirm();
      const { paymentIntentId, paymentMethodId } = confirmation;
      const paymentIntent = await callStripe(() => deps.stripe.paymentIntents.retrieve(paymentIntentId));
      const confirmable = ['requires_payment_method', 'requires_action', 'requires_confirmation'];
      if (!paymentIntent.client_secret || !confirmable.includes(paymentIntent.status)) {
        // Paid or cancelled meanwhile: the webhook settles it; nothing is left for the customer to do.
        throw nothingToConfirm();
      }
      return jsonAnswer(c, {
        client_secret: paymentIntent.client_secret,
        payment_method: paymentMethodId,
        credits: confirmation.credits,
        amount_cents: confirmation.amountCents,
      } satisfies AutoRechargeConfirmationResponse);
    })
    .post('/v1/auto-recharge/sweep', async (c) => {
      if (!isSweepToken(requestHeader(c, 'authorization'), deps.sweepTokens)) {
        throw new ApiError('unauthorized', 'The sweep is for the service role only.', {
          'WWW-Authenticate': 'Bearer',
        });
      }
      const claimed = await deps.sweeper.sweep();
      return jsonAnswer(c, { claimed } satisfies AutoRechargeSweepResponse);
    });
}

/**
 * The tenant's Stripe customer, if it has one, read by the checkout's own first call, which also counts
 * this request against the checkout limit: each set-up asks Stripe for a session, like a purchase.
 */
async function knownCustomer(deps: AutoRechargeRouteDeps, userId: string): Promise<string | null> {
  try {
    // Without an Idempotency-Key no purchase is looked up: the package only gives the call its shape.
    const [anyPackage] = creditPackages as [CreditPackage, ...CreditPackage[]];
    return (await prepareCountedCheckout(deps, userId, anyPackage, null)).stripeCustomerId;
  } catch (error) {
    if (!(error instanceof CheckoutRateLimited)) throw error;
    throw new ApiError('rate_limited', `Too many requests. Please wait ${error.retryAfterSeconds} s.`, {
      'Retry-After': String(error.retryAfterSeconds),
    });
  }
}

async function readSetupSession(stripe: Stripe, sessionId: string): Promise<Stripe.Checkout.Session> {
  try {
    return await stripe.checkout.sessions.retrieve(sessionId);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new CreditTopupError('not_found', 'No such card set-up.');
    }
    return callStripe(() => Promise.reject(error));
  }
}

function isSweepToken(authorization: string | undefined, tokens: readonly string[]): boolean {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) return false;
  // Digests compared in constant time, with every configured token: the answer's timing tells neither a
  // token's bytes nor its length.
  const given = createHash('sha256').update(token).digest();
  let matched = false;
  for (const expected of tokens) {
    if (timingSafeEqual(createHash('sha256').update(expected).digest(), given)) matched = true;
  }
  return matched;
}

function forbidden() {
  return new CreditTopupError('forbidden', 'Only the owners and admins of the organisation may change this.');
}

function nothingToConfirm() {
  return new CreditTopupError('nothing_to_confirm', 'No automatic top-up waits for your confirmation.');
}

function refusal(code: string): CreditTopupError {
  switch (code) {
    case 'no_tenant':
      return noTenant();
    case 'forbidden':
      return forbidden();
    case 'payment_method_required':
      return new CreditTopupError(
        'payment_method_required',
        'Save a card first: automatic top-up charges a saved card.',
      );
    case 'invalid_threshold':
      return new CreditTopupError('invalid_threshold', 'The threshold is too low.');
    case 'invalid_settings':
      return new CreditTopupError('invalid_request', 'The ledger refused these settings as out of range.');
    default:
      return new CreditTopupError('internal_error', `The ledger refused the settings (${code}).`);
  }
}
