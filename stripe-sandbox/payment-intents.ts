// PaymentIntents created through the API for a saved card (automatic top-up): confirmed at once off
// session, or later on session by Stripe.js, where a card that needs it asks the cardholder to
// authenticate (3-D Secure, the sandbox's challenge page). How each ends follows the test card behind the
// PaymentMethod (test-cards.ts): succeeded with a charge; declined (402 card_error, a failed charge, the
// intent back to requires_payment_method with last_payment_error); authentication_required off session;
// requires_action on session until the challenge is completed or failed.

import type Stripe from 'stripe';
import type { Customers } from './customers.ts';
import type { SandboxEvents } from './events.ts';
import type { FormValue } from './form-encoding.ts';
import type { PublicAddress } from './invoices.ts';
import { cardError, type PaymentMethods, REUSED_AFTER_DETACH } from './payment-methods.ts';
import type { Payments } from './payments.ts';
import {
  allowedCardTypes,
  integerParam,
  invalid,
  missing,
  noSuch,
  SandboxApiError,
  stringRecord,
} from './sandbox-api-error.ts';
import { paymentIntentObject, stripeId } from './stripe-objects.ts';
import { type CardDecline, DECLINES, docUrlOf } from './test-cards.ts';

const AUTHENTICATION_FAILED =
  'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.';

export class PaymentIntents {
  /** Intents whose cardholder has completed the challenge (they are not asked again). */
  private readonly authenticated = new Set<string>();

  constructor(
    private readonly events: SandboxEvents,
    private readonly payments: Payments,
    private readonly paymentMethods: PaymentMethods,
    private readonly customers: Customers,
    private readonly address: PublicAddress,
  ) {}

  /** POST /v1/payment_intents. With confirm=true a failed payment throws Stripe's 402 after recording it. */
  create(params: Record<string, FormValue>): Stripe.PaymentIntent {
    const amount = integerParam(params.amount, 'amount', 1);
    const currency = typeof params.currency === 'string' ? params.currency.toLowerCase() : '';
    if (!currency) throw missing('currency');
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}.`, 'currency');
    const customer =
      typeof params.customer === 'string' && params.customer !== ''
        ? this.customers.retrieve(params.customer, undefined, 'customer').id
        : null;
    const paymentMethodId = typeof params.payment_method === 'string' ? params.payment_method : null;
    if (paymentMethodId) this.paymentMethods.retrieve(paymentMethodId, 'payment_method');
    const allowedTypes = allowedCardTypes(params, 'payment intents');
    const confirm = params.confirm === 'true';
    if (params.off_session !== undefined && !confirm)
      throw invalid('You can only pass in off_session when confirm is set to true.', 'off_session');
    const id = stripeId('pi');
    const paymentIntent = paymentIntentObject({
      id,
      amount,
      amount_received: 0,
      amount_capturable: 0,
      allowed_payment_method_types: allowedTypes,
      automatic_payment_methods: null,
      currency,
      customer,
      description: typeof params.description === 'string' ? params.description : null,
      metadata: stringRecord(params.metadata, 'metadata'),
      payment_method: paymentMethodId,
      payment_method_configuration_details: null,
      payment_method_options: {
        card: {
          installments: null,
          mandate_options: null,
          network: null,
          request_three_d_secure: 'automatic',
        },
      } as Stripe.PaymentIntent.PaymentMethodOptions,
      payment_method_types: ['card'],
      status: paymentMethodId ? 'requires_confirmation' : 'requires_payment_method',
      client_secret: `${id}_secret_${stripeId('x', 24).slice(2)}`,
      livemode: false,
      shipping: null,
    });
    this.payments.paymentIntents.set(id, paymentIntent);
    this.events.emit('payment_intent.created', paymentIntent);
    if (!confirm) return paymentIntent;
    return this.confirm(id, {
      paymentMethod: paymentMethodId ?? undefined,
      offSession: params.off_session === 'true',
    });
  }

  retrieve(id: string): Stripe.PaymentIntent {
    return this.payments.paymentIntent(id);
  }

  /** The intent a client secret (Stripe.js) names, when it is that intent's secret. */
  byClientSecret(id: string, clientSecret: string): Stripe.PaymentIntent {
    const paymentIntent = this.payments.paymentIntents.get(id);
    if (!paymentIntent || paymentIntent.client_secret !== clientSecret) throw noSuch('payment_intent', id);
    return paymentIntent;
  }

  /**
   * POST /v1/payment_intents/:id/confirm (the server with its secret key, or Stripe.js with the client
   * secret). On session a card that needs it moves to requires_action with a 3-D Secure challenge.
   */
  confirm(id: string, input: { paymentMethod?: string; offSession: boolean }): Stripe.PaymentIntent {
    const paymentIntent = this.retrieve(id);
    if (
      !['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(paymentIntent.status)
    )
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        `You cannot confirm this PaymentIntent because it has a status of ${paymentIntent.status}.`,
        'payment_intent_unexpected_state',
        undefined,
        { payment_intent: structuredClone(paymentIntent) },
      );
    const methodId = input.paymentMethod ?? (paymentIntent.payment_method as string | null);
    if (!methodId)
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
        'payment_intent_unexpected_state',
      );
    const method = this.paymentMethods.retrieve(methodId, 'payment_method');
    const saved = this.paymentMethods.savedCard(method.id);
    if (saved.detached)
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        REUSED_AFTER_DETACH,
        undefined,
        'payment_method',
      );
    if (paymentIntent.customer && method.customer && method.customer !== paymentIntent.customer)
      throw invalid(
        `The provided PaymentMethod ${method.id} belongs to a different Customer than ${String(paymentIntent.customer)}.`,
        'payment_method',
      );
    if (input.offSession && !method.customer)
      throw invalid(
        'A PaymentMethod must be attached to a Customer to be used with off_session.',
        'payment_method',
      );
    paymentIntent.payment_method = method.id;
    paymentIntent.last_payment_error = null;

    const { card } = saved;
    if (this.paymentMethods.hasExpired(method.id))
      return this.decline(paymentIntent, method, DECLINES.expired);
    const needsAuthentication =
      !this.authenticated.has(id) &&
      (card.authentication === 'authenticate' ||
        (card.authentication === 'authenticate_unless_set_up' &&
          (!input.offSession || !saved.setUpForOffSession)));
    if (needsAuthentication && input.offSession) {
      // Nobody is there to authenticate: declined without reaching the issuer, so there is no charge.
      return this.fail(paymentIntent, method, {
        ...DECLINES.authenticationRequired,
        type: 'card_error',
      });
    }
    if (needsAuthentication) {
      paymentIntent.status = 'requires_action';
      paymentIntent.next_action = {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: `${this.address.url}/3ds/${id}?client_secret=${encodeURIComponent(paymentIntent.client_secret ?? '')}`,
          source: stripeId('payatt'),
        },
      } as Stripe.PaymentIntent.NextAction;
      this.events.emit('payment_intent.requires_action', paymentIntent);
      return paymentIntent;
    }
    return this.charge(paymentIntent, method, card.payment === 'succeeds' ? null : card.payment);
  }

  /**
   * The cardholder's answer to the 3-D Secure challenge: `complete` goes on to the payment (which the card
   * may still decline), `fail` leaves the intent requiring a new payment method.
   */
  authenticate(id: string, outcome: 'complete' | 'fail'): Stripe.PaymentIntent {
    const paymentIntent = this.retrieve(id);
    if (paymentIntent.status !== 'requires_action')
      throw invalid(`This PaymentIntent has a status of ${paymentIntent.status}; nothing to authenticate.`);
    const method = this.paymentMethods.retrieve(String(paymentIntent.payment_method));
    paymentIntent.next_action = null;
    if (outcome === 'fail') {
      this.recordFailure(paymentIntent, method, {
        code: 'payment_intent_authentication_failure',
        doc_url: docUrlOf('payment_intent_authentication_failure'),
        message: AUTHENTICATION_FAILED,
        payment_method: structuredClone(method),
        type: 'invalid_request_error',
      });
      return paymentIntent;
    }
    this.authenticated.add(id);
    const { card } = this.paymentMethods.savedCard(method.id);
    try {
      return this.charge(paymentIntent, method, card.payment === 'succeeds' ? null : card.payment);
    } catch (error) {
      // After a challenge a decline is no answer to a request: the intent shows it (last_payment_error).
      if (error instanceof SandboxApiError && error.status === 402) return paymentIntent;
      throw error;
    }
  }

  /** GET /v1/payment_intents: newest first, optionally one customer's. */
  list(filter: { customer?: string }): Stripe.PaymentIntent[] {
    return [...this.payments.paymentIntents.values()]
      .reverse()
      .filter((paymentIntent) => !filter.customer || paymentIntent.customer === filter.customer);
  }

  /**
   * GET /v1/payment_intents/search: Stripe's search query language for the clauses our server uses,
   * `field:'value'` joined by AND, with `metadata['key']:'value'`, customer, status, currency, amount.
   */
  search(query: string): Stripe.PaymentIntent[] {
    const clauses = query.split(/\s+AND\s+/).map((clause) => {
      const match = /^\s*(metadata\[['"]([^'"]+)['"]\]|[a-z_]+)\s*:\s*['"]?([^'"]*)['"]?\s*$/.exec(clause);
      if (!match) throw invalid(`Invalid search query: ${query}`, 'query');
      const [, field, metadataKey, value] = match;
      return { field: metadataKey ? null : field!, metadataKey: metadataKey ?? null, value: value! };
    });
    return this.list({}).filter((paymentIntent) =>
      clauses.every((clause) => {
        if (clause.metadataKey) return paymentIntent.metadata[clause.metadataKey] === clause.value;
        const field = paymentIntent[clause.field as keyof Stripe.PaymentIntent];
        if (!['customer', 'status', 'currency', 'amount'].includes(clause.field ?? ''))
          throw invalid(`Field ${clause.field} is not searchable in the sandbox.`, 'query');
        return String(field) === clause.value;
      }),
    );
  }

  /** The payment on the card: succeeded, or the issuer's decline with a failed charge (402). */
  private charge(
    paymentIntent: Stripe.PaymentIntent,
    method: Stripe.PaymentMethod,
    decline: CardDecline | null,
  ): Stripe.PaymentIntent {
    if (decline) return this.decline(paymentIntent, method, decline);
    const customer = paymentIntent.customer
      ? this.customers.customers.get(String(paymentIntent.customer))
      : undefined;
    const charge = this.payments.chargeSavedCard(
      paymentIntent,
      method,
      null,
      customer?.preferred_locales?.[0],
    );
    paymentIntent.status = 'succeeded';
    paymentIntent.amount_received = paymentIntent.amount;
    this.events.emit('charge.succeeded', charge);
    this.events.emit('payment_intent.succeeded', paymentIntent);
    return paymentIntent;
  }

  private decline(
    paymentIntent: Stripe.PaymentIntent,
    method: Stripe.PaymentMethod,
    decline: CardDecline,
  ): never {
    const charge = this.payments.chargeSavedCard(paymentIntent, method, decline);
    this.events.emit('charge.failed', charge);
    return this.fail(paymentIntent, method, { charge: charge.id, ...decline, type: 'card_error' });
  }

  /** A failed payment: recorded on the intent (and announced), then Stripe's 402 card error. */
  private fail(
    paymentIntent: Stripe.PaymentIntent,
    method: Stripe.PaymentMethod,
    failure: CardDecline & { type: 'card_error'; charge?: string },
  ): never {
    const error = {
      ...(failure.charge ? { charge: failure.charge } : {}),
      code: failure.code,
      ...(failure.declineCode ? { decline_code: failure.declineCode } : {}),
      doc_url: docUrlOf(failure.code),
      message: failure.message,
      payment_method: structuredClone(method),
      type: failure.type,
    };
    this.recordFailure(paymentIntent, method, error);
    throw cardError(failure, {
      ...(failure.charge ? { charge: failure.charge } : {}),
      payment_intent: structuredClone(paymentIntent),
      payment_method: structuredClone(method),
      request_log_url: `https://dashboard.stripe.com/test/logs/${stripeId('req', 14)}`,
    });
  }

  private recordFailure(
    paymentIntent: Stripe.PaymentIntent,
    _method: Stripe.PaymentMethod,
    lastPaymentError: Record<string, unknown>,
  ) {
    paymentIntent.status = 'requires_payment_method';
    // As at Stripe, the failed payment method is no longer on the intent; last_payment_error names it.
    paymentIntent.payment_method = null;
    paymentIntent.last_payment_error = lastPaymentError as unknown as Stripe.PaymentIntent.LastPaymentError;
    this.events.emit('payment_intent.payment_failed', paymentIntent);
  }
}
