// PaymentMethods (cards): made by Checkout when a buyer saves a card, or by attaching one of Stripe's test
// tokens (`pm_card_visa`, …) to a customer through the API; listed per customer, detached. Each one
// remembers the test card behind it (which decides how payments with it end) and whether it was set up
// for off-session use. A detached PaymentMethod can never be used again, as at Stripe.

import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { SandboxEvents } from './events.ts';
import { noSuch, SandboxApiError } from './sandbox-api-error.ts';
import { paymentMethodObject, stripeId } from './stripe-objects.ts';
import {
  type CardDecline,
  docUrlOf,
  PAYMENT_METHOD_TEST_TOKENS,
  SAVED_CARD_TEST_CARDS,
  type TestCard,
} from './test-cards.ts';

export interface SavedCard {
  card: TestCard;
  /** Set up through a SetupIntent for off-session use (cards that then need no authentication). */
  setUpForOffSession: boolean;
  /** Detached from its customer: Stripe refuses every further use. */
  detached: boolean;
}

export const REUSED_AFTER_DETACH =
  'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.';

/** A card error in Stripe's shape (HTTP 402), with the objects Stripe names in it. */
export function cardError(decline: CardDecline, details: Record<string, unknown> = {}): SandboxApiError {
  return new SandboxApiError(402, 'card_error', decline.message, decline.code, undefined, {
    ...(decline.declineCode ? { decline_code: decline.declineCode } : {}),
    doc_url: docUrlOf(decline.code),
    ...details,
  });
}

export class PaymentMethods {
  readonly methods = new Map<string, Stripe.PaymentMethod>();
  private readonly cards = new Map<string, SavedCard>();

  constructor(private readonly events: SandboxEvents) {}

  /** A new card PaymentMethod, as Stripe.js or Checkout creates one from what the buyer typed. */
  create(card: TestCard, expiry: { month: number; year: number } = defaultExpiry()): Stripe.PaymentMethod {
    const method = paymentMethodObject({
      id: stripeId('pm'),
      type: 'card',
      allow_redisplay: 'unspecified',
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: card.country,
        display_brand: card.brand,
        exp_month: expiry.month,
        exp_year: expiry.year,
        // Stripe's fingerprint is the same for the same card number within an account.
        fingerprint: createHash('sha256').update(card.number).digest('base64url').slice(0, 16),
        funding: card.funding,
        generated_from: null,
        last4: card.last4,
        networks: { available: [card.brand], preferred: null },
        regulated_status: 'unregulated',
        three_d_secure_usage: { supported: true },
        wallet: null,
      } as Stripe.PaymentMethod.Card,
      livemode: false,
    });
    this.methods.set(method.id, method);
    this.cards.set(method.id, { card, setUpForOffSession: false, detached: false });
    return method;
  }

  retrieve(id: string, param = 'id'): Stripe.PaymentMethod {
    const method = this.methods.get(id);
    if (!method) throw noSuch('PaymentMethod', id, param);
    return method;
  }

  /** The test card behind a PaymentMethod and what has happened to it. */
  savedCard(id: string): SavedCard {
    const saved = this.cards.get(id);
    if (!saved) throw noSuch('PaymentMethod', id);
    return saved;
  }

  /**
   * POST /v1/payment_methods/:id/attach. A test token makes a new PaymentMethod of its card; decline
   * cards cannot be attached (Stripe checks the card with its issuer first).
   */
  attach(idOrToken: string, customerId: string): Stripe.PaymentMethod {
    const tokenCard = PAYMENT_METHOD_TEST_TOKENS[idOrToken];
    const card = tokenCard ? SAVED_CARD_TEST_CARDS[tokenCard] : undefined;
    if (card && typeof card.onSave === 'object') throw cardError(card.onSave);
    const method = card ? this.create(card) : this.retrieve(idOrToken);
    const saved = this.savedCard(method.id);
    if (saved.detached)
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
      );
    if (method.customer && method.customer !== customerId)
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        'The payment method you provided has already been attached to a customer.',
      );
    if (method.customer === customerId) return method;
    method.customer = customerId;
    this.events.emit('payment_method.attached', method);
    return method;
  }

  /** POST /v1/payment_methods/:id/detach. */
  detach(id: string): Stripe.PaymentMethod {
    const method = this.retrieve(id);
    if (!method.customer)
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        'The payment method you provided is not attached to a customer so detachment is impossible.',
      );
    const customer = method.customer;
    method.customer = null;
    this.savedCard(id).detached = true;
    this.events.emit('payment_method.detached', method, { customer });
    return method;
  }

  /** GET /v1/customers/:id/payment_methods: newest first, as Stripe lists them. */
  ofCustomer(customerId: string, type?: string): Stripe.PaymentMethod[] {
    return [...this.methods.values()]
      .filter((method) => method.customer === customerId && (!type || method.type === type))
      .reverse();
  }

  /** A sandbox control: the card's expiry date moves to last month, as a saved card's eventually does. */
  expire(id: string): Stripe.PaymentMethod {
    const method = this.retrieve(id);
    const lastMonth = new Date();
    lastMonth.setUTCDate(1);
    lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
    if (method.card) {
      method.card.exp_month = lastMonth.getUTCMonth() + 1;
      method.card.exp_year = lastMonth.getUTCFullYear();
    }
    return method;
  }

  /** Whether the card's expiry date has passed (the end of its expiry month). */
  hasExpired(id: string): boolean {
    const card = this.retrieve(id).card;
    if (!card) return false;
    return Date.UTC(card.exp_year, card.exp_month, 1) <= Date.now();
  }
}

/** Test tokens carry no expiry of their own; the sandbox gives their cards one in two years. */
function defaultExpiry() {
  const now = new Date();
  return { month: now.getUTCMonth() + 1, year: now.getUTCFullYear() + 2 };
}
