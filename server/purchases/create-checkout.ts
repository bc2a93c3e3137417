// Opens a purchase and its embedded Checkout Session. The pending purchase is recorded before Stripe is
// asked, and the session is attached to it before its client secret leaves the server: nobody can pay
// for a session we have no record of. The package, and so the price, is the server's to decide.

import type Stripe from 'stripe';
import type {
  CheckoutLocale,
  CreateCheckoutSessionResponse as CreatedCheckout,
} from '../../contract/credit-topup-api.ts';
import { CREDIT_CURRENCY, findCreditPackage } from '../../credit-packages.ts';
import { CreditTopupError, noTenant } from '../errors.ts';
import type { CreditStore } from '../ledger/credit-store.ts';
import { acceptedWithdrawalWaiver } from '../selling/withdrawal-waiver.ts';
import { callStripe, type StripeTiming } from '../stripe/call-stripe.ts';
import { type CheckoutOptions, checkoutSessionParams } from '../stripe/checkout-session-params.ts';
import type { PackagePrices } from '../stripe/package-prices.ts';
import type { TenantCustomers } from '../stripe/tenant-customers.ts';

export interface CreateCheckoutDeps {
  store: CreditStore;
  stripe: Stripe;
  prices: PackagePrices;
  tenantCustomers: TenantCustomers;
  /** Live or test mode: each has its own Stripe customer per tenant. */
  livemode: boolean;
  options: CheckoutOptions;
  now: () => number;
}

export interface CreateCheckoutInput {
  userId: string;
  /** As the client sent it: anything that is not one of our packages is refused. */
  packageId: unknown;
  locale: CheckoutLocale;
  idempotencyKey: string | null;
  /** As the client sent them: the ticked waiver and the version of its text (consumers only). */
  withdrawalWaiver: unknown;
  withdrawalWaiverVersion: unknown;
}

export async function createCheckout(
  deps: CreateCheckoutDeps,
  input: CreateCheckoutInput,
  timing?: StripeTiming,
): Promise<CreatedCheckout> {
  const { store, stripe } = deps;
  const creditPackage = findCreditPackage(input.packageId);
  if (!creditPackage) {
    throw new CreditTopupError('unknown_package', 'Choose one of the packages listed by GET /v1/packages.');
  }
  // A consumer's waiver comes before anything is recorded or sent to Stripe (§ 356 Abs. 5 BGB).
  const waiverVersion =
    deps.options.selling.sellTo === 'consumers'
      ? acceptedWithdrawalWaiver(input.withdrawalWaiver, input.withdrawalWaiverVersion)
      : null;
  // The tenant is resolved inside the same call, the waiver recorded by it, and the tenant's Stripe
  // customer answered: one round trip for the hottest write.
  const opened = await store.openPurchaseForUser({
    userId: input.userId,
    packageId: creditPackage.id,
    credits: creditPackage.credits,
    amountCents: creditPackage.amountCents,
    currency: CREDIT_CURRENCY,
    idempotencyKey: input.idempotencyKey,
    withdrawalWaiverVersion: waiverVersion,
    livemode: deps.livemode,
  });
  if (!opened.ok) {
    if (opened.code === 'idempotency_key_reused') {
      throw new CreditTopupError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different package.',
      );
    }
    throw noTenant();
  }
  // The same Idempotency-Key again (a double click, a retry): the same session.
  const attachedBefore = opened.purchase.stripeCheckoutSessionId;
  if (attachedBefore) return existingSession(stripe, attachedBefore, timing);

  const customerId = await deps.tenantCustomers.customerFor(
    opened.purchase.tenantId,
    opened.stripeCustomerId,
    timing,
  );
  const params = checkoutSessionParams({
    purchase: opened.purchase,
    creditPackage,
    priceId: await deps.prices.priceIdFor(creditPackage),
    customerId,
    locale: input.locale,
    options: deps.options,
    nowSeconds: Math.floor(deps.now() / 1000),
  });
  // A fresh Stripe key per attempt: the SDK's own retries of this attempt share it, while a later
  // attempt after a Stripe failure is not answered with that failure again. An attempt whose answer
  // was lost leaves a session nobody has the secret of; it expires unpaid.
  const session = await callStripe(
    () =>
      stripe.checkout.sessions.create(params, {
        idempotencyKey: `credit-topup-${opened.purchase.id}-${crypto.randomUUID()}`,
      }),
    timing,
  );
  if (!session.client_secret) {
    throw new CreditTopupError('stripe_error', 'Stripe returned a session without a client secret.');
  }

  const attached = await store.attachCheckoutSession(
    opened.purchase.id,
    session.id,
    session.expires_at ? new Date(session.expires_at * 1000) : null,
  );
  if (!attached.ok) {
    // A concurrent request with the same Idempotency-Key attached its session first: answer with that one.
    const winner = attached.purchase?.stripeCheckoutSessionId;
    if (attached.code === 'session_already_attached' && winner)
      return existingSession(stripe, winner, timing);
    throw new Error(`could not attach checkout session: ${attached.code}`);
  }
  return { id: session.id, client_secret: session.client_secret, expires_at: session.expires_at };
}

async function existingSession(
  stripe: Stripe,
  sessionId: string,
  timing: StripeTiming | undefined,
): Promise<CreatedCheckout> {
  const session = await callStripe(() => stripe.checkout.sessions.retrieve(sessionId), timing);
  if (session.status !== 'open' || !session.client_secret) {
    throw new CreditTopupError(
      'checkout_session_closed',
      'This checkout is already completed or expired. Start a new one.',
    );
  }
  return { id: session.id, client_secret: session.client_secret, expires_at: session.expires_at };
}
