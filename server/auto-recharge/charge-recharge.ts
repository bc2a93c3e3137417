// One claimed recharge, paid: an off-session PaymentIntent for the tenant's saved card, under an
// idempotency key the database derived from the outbox row and its attempt. A process that dies after
// Stripe charged but before the answer was recorded leaves the row `charging`; once its lease runs out
// the next sweep claims the same attempt again and sends the same key, so Stripe answers the payment it
// already made instead of charging twice (Stripe keeps keys for 24 hours; reconcile finds older ones by
// metadata). Crediting is the same exactly-once function the webhook's payment_intent.succeeded calls.

import Stripe from 'stripe';
import type {
  ClaimedAutoRecharge,
  CreditStore,
  RecordAutoRechargeAttemptInput,
} from '../ledger/credit-store.ts';
import { isStripeUnavailable } from '../stripe/stripe-client.ts';
import { creditRechargePayment, type DeclineOf, declineOf } from './recharge-payments.ts';

/** An hour, then four, then automatic top-up switches itself off after the third decline in a row. */
export const DEFAULT_RETRY_BASE_SECONDS = 3600;

export interface ChargeRechargeDeps {
  store: CreditStore;
  stripe: Stripe;
  /** First wait before a declined recharge is tried again; then 4×, 16× as long. */
  retryBaseSeconds: number;
}

/** What became of one attempt, for the log and the sweep's count. */
export type ChargeOutcome =
  | 'credited'
  | 'already_credited'
  | 'processing'
  | 'requires_action'
  | 'declined'
  | 'refused'
  | 'stripe_unavailable';

/** The metadata every recharge payment carries: reconcile and the webhook find the recharge by it. */
export function rechargeMetadata(claim: ClaimedAutoRecharge): Stripe.MetadataParam {
  return {
    purchase_id: claim.purchaseId,
    tenant_id: claim.tenantId,
    auto_recharge_id: claim.rechargeId,
    attempt: String(claim.attempt),
  };
}

export async function chargeRecharge(
  claim: ClaimedAutoRecharge,
  deps: ChargeRechargeDeps,
): Promise<ChargeOutcome> {
  let paymentIntent: Stripe.PaymentIntent;
  try {
    // The same parameters for every send of one attempt: Stripe refuses a key reused with others.
    paymentIntent = await deps.stripe.paymentIntents.create(
      {
        amount: claim.amountCents,
        currency: claim.currency,
        customer: claim.customerId,
        payment_method: claim.paymentMethodId,
        allowed_payment_method_types: ['card'],
        off_session: true,
        confirm: true,
        description: `${claim.credits} Credits`,
        metadata: rechargeMetadata(claim),
      },
      { idempotencyKey: claim.idempotencyKey },
    );
  } catch (error) {
    return recordRefusal(claim, error, deps);
  }
  return applyPaymentIntent(claim, paymentIntent, deps);
}

async function applyPaymentIntent(
  claim: ClaimedAutoRecharge,
  paymentIntent: Stripe.PaymentIntent,
  deps: ChargeRechargeDeps,
): Promise<ChargeOutcome> {
  switch (paymentIntent.status) {
    case 'succeeded': {
      const result = await creditRechargePayment(deps.store, claim.purchaseId, paymentIntent, null);
      if (result.ok) return result.credited ? 'credited' : 'already_credited';
      // Paid, but not as reserved (another amount, currency or payment intent): never credited, never
      // sent again. Switched off with the ledger's reason, for a person to look at.
      await recordAttempt(claim, deps, {
        outcome: 'failed',
        paymentIntentId: paymentIntent.id,
        failureCode: `refused_${result.code}`,
        permanent: true,
      });
      return 'refused';
    }
    case 'requires_action':
    case 'requires_confirmation':
      await recordNeedsCustomer(claim, paymentIntent.id, deps);
      return 'requires_action';
    case 'requires_payment_method':
      await recordDecline(claim, paymentIntent.id, paymentIntent.last_payment_error, deps);
      return 'declined';
    default:
      // processing: the webhook brings the outcome (payment_intent.succeeded or payment_failed).
      return 'processing';
  }
}

async function recordRefusal(claim: ClaimedAutoRecharge, error: unknown, deps: ChargeRechargeDeps) {
  // Nobody knows whether Stripe charged: the row stays `charging`, and when its lease ends the same
  // attempt is sent again under the same key (another process sending it now is the same case).
  if (isStripeUnavailable(error)) return 'stripe_unavailable';
  if (error instanceof Stripe.errors.StripeError && error.code === 'idempotency_key_in_use') {
    return 'stripe_unavailable';
  }
  const cardRefused = error instanceof Stripe.errors.StripeCardError;
  const cardUnusable =
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    (error.param === 'payment_method' || error.param === 'customer');
  // Anything else (our key refused, a bug of ours) is no decline of the customer's card: it must not count
  // towards switching their top-up off. It is thrown, logged by the caller, and the lease brings it back.
  if (!cardRefused && !cardUnusable) throw error;
  const stripeError = error as Stripe.errors.StripeError;
  const paymentIntent = (stripeError.raw as { payment_intent?: Stripe.PaymentIntent } | undefined)
    ?.payment_intent;
  if (stripeError.code === 'authentication_required') {
    await recordNeedsCustomer(claim, paymentIntent?.id ?? null, deps);
    return 'requires_action';
  }
  await recordDecline(
    claim,
    paymentIntent?.id ?? null,
    {
      code: stripeError.code,
      decline_code: stripeError.decline_code,
      type: stripeError.rawType,
      param: stripeError.param,
    },
    deps,
  );
  return 'declined';
}

/** An attempt that did not pay, as this process saw it in Stripe's answer. */
function recordAttempt(
  claim: ClaimedAutoRecharge,
  deps: ChargeRechargeDeps,
  attempt: Pick<RecordAutoRechargeAttemptInput, 'outcome' | 'paymentIntentId' | 'failureCode' | 'permanent'>,
) {
  return deps.store.recordAutoRechargeAttempt({
    rechargeId: claim.rechargeId,
    attempt: claim.attempt,
    retryBaseSeconds: deps.retryBaseSeconds,
    event: null,
    ...attempt,
  });
}

function recordDecline(
  claim: ClaimedAutoRecharge,
  paymentIntentId: string | null,
  error: DeclineOf | null | undefined,
  deps: ChargeRechargeDeps,
) {
  return recordAttempt(claim, deps, { outcome: 'failed', paymentIntentId, ...declineOf(error) });
}

function recordNeedsCustomer(
  claim: ClaimedAutoRecharge,
  paymentIntentId: string | null,
  deps: ChargeRechargeDeps,
) {
  return recordAttempt(claim, deps, {
    outcome: 'requires_action',
    paymentIntentId,
    failureCode: 'authentication_required',
    permanent: false,
  });
}
