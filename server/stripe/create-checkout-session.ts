// Opens a purchase and its embedded Checkout Session. The pending purchase is recorded before Stripe is
// asked, and the session is attached to it before its client secret leaves the server: nobody can pay
// for a session we have no record of.

import Stripe from 'stripe';
import { CREDIT_CURRENCY, type CreditPackage } from '../../credit-packages.ts';
import { ApiError } from '../http/api-error.ts';
import { noTenant } from '../http/caller.ts';
import type { CreditStore, Purchase } from '../ledger/credit-store.ts';
import {
  type CheckoutLocale,
  type CheckoutOptions,
  checkoutSessionParams,
} from './checkout-session-params.ts';
import type { PackagePrices } from './package-prices.ts';
import { isStripeUnavailable } from './stripe-client.ts';

export interface CreatedCheckoutSession {
  id: string;
  client_secret: string;
  /** Unix seconds, as Stripe gives it. */
  expires_at: number;
}

/** Milliseconds spent waiting for Stripe, reported as Server-Timing so our own time can be told apart. */
export interface StripeTiming {
  stripeMs: number;
}

export interface CreateCheckoutSessionDeps {
  store: CreditStore;
  stripe: Stripe;
  prices: PackagePrices;
  options: CheckoutOptions;
  now: () => number;
}

export async function createCheckoutSession(
  deps: CreateCheckoutSessionDeps,
  input: {
    userId: string;
    creditPackage: CreditPackage;
    locale: CheckoutLocale;
    idempotencyKey: string | null;
  },
  timing: StripeTiming = { stripeMs: 0 },
): Promise<CreatedCheckoutSession> {
  const { store, stripe } = deps;
  // The tenant is resolved inside the same call: one round trip for the hottest write.
  const opened = await store.openPurchaseForUser({
    userId: input.userId,
    packageId: input.creditPackage.id,
    credits: input.creditPackage.credits,
    amountCents: input.creditPackage.amountCents,
    currency: CREDIT_CURRENCY,
    idempotencyKey: input.idempotencyKey,
  });
  if (!opened.ok) {
    if (opened.code === 'idempotency_key_reused') {
      throw new ApiError(
        409,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different package.',
      );
    }
    throw noTenant();
  }
  // The same Idempotency-Key again (a double click, a retry): the same session.
  if (opened.purchase.stripeCheckoutSessionId) return existingSession(stripe, opened.purchase, timing);

  const params = checkoutSessionParams({
    purchase: opened.purchase,
    creditPackage: input.creditPackage,
    priceId: await deps.prices.priceIdFor(input.creditPackage),
    locale: input.locale,
    options: deps.options,
    nowSeconds: Math.floor(deps.now() / 1000),
  });
  let session: Stripe.Checkout.Session;
  const stripeStarted = performance.now();
  try {
    // A fresh Stripe key per attempt: the SDK's own retries of this attempt share it, while a later
    // attempt after a Stripe failure is not answered with that failure again. An attempt whose answer
    // was lost leaves a session nobody has the secret of; it expires unpaid.
    session = await stripe.checkout.sessions.create(params, {
      idempotencyKey: `credit-topup-${opened.purchase.id}-${crypto.randomUUID()}`,
    });
  } catch (error) {
    throw stripeFailure(error);
  } finally {
    timing.stripeMs += performance.now() - stripeStarted;
  }
  if (!session.client_secret)
    throw new ApiError(502, 'stripe_error', 'Stripe returned a session without a client secret.');

  const attached = await store.attachCheckoutSession(
    opened.purchase.id,
    session.id,
    session.expires_at ? new Date(session.expires_at * 1000) : null,
  );
  if (!attached.ok) {
    // A concurrent request with the same Idempotency-Key attached its session first: answer with that one.
    if (attached.code === 'session_already_attached' && attached.purchase)
      return existingSession(stripe, attached.purchase, timing);
    throw new Error(`could not attach checkout session: ${attached.code}`);
  }
  return { id: session.id, client_secret: session.client_secret, expires_at: session.expires_at };
}

async function existingSession(
  stripe: Stripe,
  purchase: Purchase,
  timing: StripeTiming,
): Promise<CreatedCheckoutSession> {
  let session: Stripe.Checkout.Session;
  const stripeStarted = performance.now();
  try {
    session = await stripe.checkout.sessions.retrieve(purchase.stripeCheckoutSessionId!);
  } catch (error) {
    throw stripeFailure(error);
  } finally {
    timing.stripeMs += performance.now() - stripeStarted;
  }
  if (session.status !== 'open' || !session.client_secret) {
    throw new ApiError(
      409,
      'checkout_session_closed',
      'This checkout is already completed or expired. Start a new one.',
    );
  }
  return { id: session.id, client_secret: session.client_secret, expires_at: session.expires_at };
}

export function stripeFailure(error: unknown): ApiError {
  if (isStripeUnavailable(error)) {
    return new ApiError(
      502,
      'stripe_unavailable',
      'The payment provider is not reachable right now. Please try again in a moment.',
      {},
      { cause: error },
    );
  }
  if (error instanceof Stripe.errors.StripeError) {
    return new ApiError(
      502,
      'stripe_error',
      'The payment provider refused the request.',
      {},
      { cause: error },
    );
  }
  return new ApiError(500, 'internal_error', 'Something went wrong on our side.', {}, { cause: error });
}
