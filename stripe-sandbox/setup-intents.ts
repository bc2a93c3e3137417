// SetupIntents: what a Checkout Session in setup mode makes when the buyer saves a card (usage
// off_session). Confirming one checks the card as Stripe does: saved at once, refused with the card's
// decline, or waiting for the cardholder to authenticate (requires_action, the 3-D Secure challenge).
// Once it succeeds the card is attached to the customer and counts as set up for off-session payments.

import type Stripe from 'stripe';
import type { SandboxEvents } from './events.ts';
import type { PublicAddress } from './invoices.ts';
import type { PaymentMethods } from './payment-methods.ts';
import { invalid, noSuch } from './sandbox-api-error.ts';
import { setupIntentObject, stripeId } from './stripe-objects.ts';
import { type CardDecline, docUrlOf } from './test-cards.ts';

export type SetupOutcome =
  | { status: 'succeeded' }
  | { status: 'requires_action' }
  | { status: 'failed'; decline: CardDecline | 'authentication_failed' };

export class SetupIntents {
  readonly setupIntents = new Map<string, Stripe.SetupIntent>();
  /** Told when a SetupIntent succeeds (Checkout then completes its session). */
  private readonly succeededListeners: ((setupIntent: Stripe.SetupIntent) => void)[] = [];

  constructor(
    private readonly events: SandboxEvents,
    private readonly paymentMethods: PaymentMethods,
    private readonly address: PublicAddress,
  ) {}

  onSucceeded(listener: (setupIntent: Stripe.SetupIntent) => void) {
    this.succeededListeners.push(listener);
  }

  create(input: { customer: string | null; metadata: Record<string, string> }): Stripe.SetupIntent {
    const id = stripeId('seti');
    const setupIntent = setupIntentObject({
      id,
      client_secret: `${id}_secret_${stripeId('x', 32).slice(2)}`,
      customer: input.customer,
      metadata: input.metadata,
      allowed_payment_method_types: null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
      usage: 'off_session',
      livemode: false,
    });
    this.setupIntents.set(id, setupIntent);
    this.events.emit('setup_intent.created', setupIntent);
    return setupIntent;
  }

  /** GET /v1/setup_intents/:id, with `expand[]=payment_method` the PaymentMethod in place of its id. */
  retrieve(id: string, expand?: unknown): Stripe.SetupIntent {
    const setupIntent = this.setupIntents.get(id);
    if (!setupIntent) throw noSuch('setup_intent', id);
    const method = setupIntent.payment_method;
    if (Array.isArray(expand) && expand.includes('payment_method') && typeof method === 'string')
      return { ...setupIntent, payment_method: this.paymentMethods.retrieve(method) };
    return setupIntent;
  }

  /** Confirms the SetupIntent with a card the buyer typed (a new, unattached PaymentMethod). */
  confirm(id: string, methodId: string): SetupOutcome {
    const setupIntent = this.retrieve(id);
    if (setupIntent.status === 'succeeded')
      throw invalid('This SetupIntent has already succeeded.', 'setup_intent');
    const method = this.paymentMethods.retrieve(methodId);
    const { card } = this.paymentMethods.savedCard(methodId);
    setupIntent.payment_method = method.id;
    setupIntent.last_setup_error = null;
    if (typeof card.onSave === 'object') {
      this.fail(setupIntent, method, {
        code: card.onSave.code,
        ...(card.onSave.declineCode ? { decline_code: card.onSave.declineCode } : {}),
        doc_url: docUrlOf(card.onSave.code),
        message: card.onSave.message,
        type: 'card_error',
      });
      return { status: 'failed', decline: card.onSave };
    }
    if (card.onSave === 'authenticate') {
      setupIntent.status = 'requires_action';
      setupIntent.next_action = {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: `${this.address.url}/3ds/${id}?client_secret=${encodeURIComponent(setupIntent.client_secret ?? '')}`,
          source: stripeId('setatt'),
        },
      } as Stripe.SetupIntent.NextAction;
      this.events.emit('setup_intent.requires_action', setupIntent);
      return { status: 'requires_action' };
    }
    this.succeed(setupIntent, method);
    return { status: 'succeeded' };
  }

  /** The cardholder's answer to the challenge of a SetupIntent that requires_action. */
  authenticate(id: string, outcome: 'complete' | 'fail'): Stripe.SetupIntent {
    const setupIntent = this.retrieve(id);
    if (setupIntent.status !== 'requires_action')
      throw invalid(`This SetupIntent has a status of ${setupIntent.status}; nothing to authenticate.`);
    const method = this.paymentMethods.retrieve(String(setupIntent.payment_method));
    setupIntent.next_action = null;
    if (outcome === 'fail') {
      this.fail(setupIntent, method, {
        code: 'setup_intent_authentication_failure',
        doc_url: docUrlOf('setup_intent_authentication_failure'),
        message: 'The latest attempt to set up the payment method has failed because authentication failed.',
        type: 'invalid_request_error',
      });
    } else this.succeed(setupIntent, method);
    return setupIntent;
  }

  private succeed(setupIntent: Stripe.SetupIntent, method: Stripe.PaymentMethod) {
    setupIntent.status = 'succeeded';
    this.paymentMethods.savedCard(method.id).setUpForOffSession = true;
    // Stripe's order for a Checkout setup: the intent succeeds, then its card is attached to the customer.
    this.events.emit('setup_intent.succeeded', setupIntent);
    if (setupIntent.customer) this.paymentMethods.attach(method.id, String(setupIntent.customer));
    for (const listener of this.succeededListeners) listener(setupIntent);
  }

  private fail(
    setupIntent: Stripe.SetupIntent,
    method: Stripe.PaymentMethod,
    error: Record<string, unknown>,
  ) {
    setupIntent.status = 'requires_payment_method';
    setupIntent.payment_method = null;
    setupIntent.last_setup_error = {
      ...error,
      payment_method: structuredClone(method),
    } as unknown as Stripe.SetupIntent.LastSetupError;
    this.events.emit('setup_intent.setup_failed', setupIntent);
  }
}
