// Every call our server makes to Stripe goes through here: its time is added up for Server-Timing (so
// our own time can be told apart from Stripe's), and its failure becomes one of two codes a client can
// act on: Stripe unreachable or failing on its side, or Stripe refusing what we asked.

import Stripe from 'stripe';
import { CreditTopupError } from '../errors.ts';
import { isStripeUnavailable } from './stripe-client.ts';

/** Milliseconds spent waiting for Stripe during one request. */
export interface StripeTiming {
  stripeMs: number;
}

export async function callStripe<T>(call: () => Promise<T>, timing?: StripeTiming): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    throw stripeFailure(error);
  } finally {
    if (timing) timing.stripeMs += performance.now() - started;
  }
}

function stripeFailure(error: unknown): unknown {
  if (isStripeUnavailable(error)) {
    return new CreditTopupError(
      'stripe_unavailable',
      'The payment provider is not reachable right now. Please try again in a moment.',
      { cause: error },
    );
  }
  if (error instanceof Stripe.errors.StripeError) {
    return new CreditTopupError('stripe_error', 'The payment provider refused the request.', {
      cause: error,
    });
  }
  return error; // not Stripe's: a bug of ours, answered as internal_error
}
