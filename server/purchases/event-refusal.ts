// When a signed Stripe event can never be applied, and how to tell that apart from a failure a retry can
// fix. Stripe redelivers every event answered with an error for three days: that helps when the database
// or Stripe was away for a moment, and is noise for an event whose numbers make no sense or whose payment
// Stripe does not know. Those are refused (recorded, answered 2xx); everything else stays an error.

import Stripe from 'stripe';

export type EventRefusalReason =
  /** Amounts that are no integer number of cents, negative, or beyond what the ledger holds. */
  | 'invalid_amount'
  /** The payment intent or charge the event names does not exist on Stripe. */
  | 'unknown_payment_intent'
  | 'unknown_charge'
  /** A charge or dispute in a currency other than ours, even as our current API version reads it. */
  | 'currency_mismatch';

/** Thrown while applying an event that no redelivery could make applicable. */
export class UnappliableEventError extends Error {
  override readonly name = 'UnappliableEventError';
  constructor(
    readonly reason: EventRefusalReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The largest amount of cents (and credits) the ledger's integer columns hold. */
export const LEDGER_INTEGER_MAX = 2_147_483_647;

/** Whole cents from `min` up to what the ledger holds, or the event is refused as `invalid_amount`. */
export function ledgerCents(value: unknown, what: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > LEDGER_INTEGER_MAX) {
    throw new UnappliableEventError('invalid_amount', `${what} is not a whole number of cents in range`);
  }
  return value;
}

/** Stripe answering "no such object" (or "that request makes no sense") is final for this event. */
export function isStripeRefusalOfTheObject(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return cause instanceof Stripe.errors.StripeInvalidRequestError;
}

/**
 * The reason to refuse the event for, or null when the failure may pass (and Stripe should retry).
 * Only what was checked on purpose refuses: the event's numbers and Stripe's "no such object". An error
 * the database raises (a data exception, a check) may just as well be a bug of ours that a deploy fixes,
 * and a refused event is never delivered again: it stays an error, and Stripe keeps the event.
 */
export function refusalReasonOf(error: unknown): EventRefusalReason | null {
  return error instanceof UnappliableEventError ? error.reason : null;
}
