// PaymentIntents and Charges: created when a buyer pays a Checkout Session, or through the API for a saved
// card (payment-intents.ts), read back by our server (a dispute names only its charge; a refund's purchase
// is found through the payment intent's metadata).

import type Stripe from 'stripe';
import type { PresentmentDetails } from './adaptive-pricing.ts';
import { type DocumentLocale, documentLocaleOf } from './invoice-document.ts';
import type { PublicAddress } from './invoices.ts';
import { invalid, noSuch } from './sandbox-api-error.ts';
import { chargeObject, paymentIntentObject, stripeId } from './stripe-objects.ts';
import type { CardDecline } from './test-cards.ts';

export type PaymentMethodType = 'card' | 'sepa_debit';

export class Payments {
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  /** The secret part of each charge's receipt address (`receipt_url`), and the receipt's language. */
  private readonly receipts = new Map<string, { chargeId: string; locale: DocumentLocale }>();

  constructor(private readonly address: PublicAddress) {}

  /** The charge whose receipt page has this token in its address, with the receipt's language. */
  receiptByToken(token: string): { charge: Stripe.Charge; locale: DocumentLocale } | undefined {
    const receipt = this.receipts.get(token);
    const charge = receipt && this.charges.get(receipt.chargeId);
    return charge && { charge, locale: receipt.locale };
  }

  paymentIntent(id: string): Stripe.PaymentIntent {
    const paymentIntent = this.paymentIntents.get(id);
    if (!paymentIntent) throw noSuch('payment_intent', id);
    return paymentIntent;
  }

  charge(id: string): Stripe.Charge {
    const charge = this.charges.get(id);
    if (!charge) throw noSuch('charge', id);
    return charge;
  }

  /** The charge of a paid (or paying) Checkout Session. */
  chargeOfSession(session: Stripe.Checkout.Session): Stripe.Charge {
    const paymentIntent = session.payment_intent
      ? this.paymentIntents.get(String(session.payment_intent))
      : undefined;
    const charge = paymentIntent?.latest_charge
      ? this.charges.get(String(paymentIntent.latest_charge))
      : undefined;
    if (!charge) throw invalid(`Checkout Session ${session.id} has no charge yet.`);
    return charge;
  }

  /** A payment intent with its one charge, as a Checkout payment creates them. */
  createPayment(input: {
    amount: number;
    currency: string;
    metadata: Record<string, string>;
    type: PaymentMethodType;
    settled: boolean;
    /** The buyer's currency and amount, when Adaptive Pricing presented another currency. */
    presentment?: PresentmentDetails | null;
    /** The receipt's language (the customer's preferred locale, else the checkout's). */
    locale?: string | null;
  }): { paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge } {
    const presentment = input.presentment ? { presentment_details: { ...input.presentment } } : {};
    const paymentIntentId = stripeId('pi');
    const paymentIntent = paymentIntentObject({
      id: paymentIntentId,
      amount: input.amount,
      amount_received: input.settled ? input.amount : 0,
      currency: input.currency,
      metadata: input.metadata,
      status: input.settled ? 'succeeded' : 'processing',
      client_secret: `${paymentIntentId}_secret_${stripeId('x', 24).slice(2)}`,
      payment_method_types: [input.type],
      livemode: false,
      ...presentment,
    });
    this.paymentIntents.set(paymentIntentId, paymentIntent);

    const chargeId = stripeId('ch');
    const charge = chargeObject({
      id: chargeId,
      amount: input.amount,
      amount_captured: input.amount,
      amount_refunded: 0,
      currency: input.currency,
      payment_intent: paymentIntentId,
      paid: input.settled,
      refunded: false,
      disputed: false,
      status: input.settled ? 'succeeded' : 'pending',
      // Stripe copies the payment intent's metadata onto the charge it creates (once, when confirmed).
      metadata: { ...input.metadata },
      livemode: false,
      // Like Stripe's, the receipt exists from the charge on; Stripe e-mails it once the payment succeeded.
      receipt_url: this.receiptUrl(chargeId, input.locale),
      receipt_number: null,
      refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${chargeId}/refunds` },
      ...presentment,
      ...(input.type === 'sepa_debit'
        ? {
            payment_method_details: {
              type: 'sepa_debit',
              sepa_debit: { bank_code: '37040044', country: 'DE', last4: '3000' },
            } as unknown as Stripe.Charge.PaymentMethodDetails,
          }
        : {}),
    });
    this.charges.set(chargeId, charge);
    paymentIntent.latest_charge = chargeId;
    return { paymentIntent, charge };
  }

  /** A charge's receipt address, whose page is in `locale`'s language. */
  private receiptUrl(chargeId: string, locale?: string | null): string {
    const receiptToken = stripeId('rcpt', 40).slice(5);
    this.receipts.set(receiptToken, { chargeId, locale: documentLocaleOf(locale) });
    return `${this.address.url}/receipts/${receiptToken}`;
  }

  /**
   * The charge a confirmed payment intent makes on a saved card: succeeded, or failed with the issuer's
   * decline (failure_code, failure_message and the outcome Stripe records). It becomes the intent's
   * latest_charge.
   */
  chargeSavedCard(
    paymentIntent: Stripe.PaymentIntent,
    method: Stripe.PaymentMethod,
    decline: CardDecline | null,
    locale?: string | null,
  ): Stripe.Charge {
    const chargeId = stripeId('ch');
    const card = method.card;
    const charge = chargeObject({
      id: chargeId,
      amount: paymentIntent.amount,
      amount_captured: decline ? 0 : paymentIntent.amount,
      amount_refunded: 0,
      captured: !decline,
      currency: paymentIntent.currency,
      customer: paymentIntent.customer,
      description: paymentIntent.description,
      payment_intent: paymentIntent.id,
      payment_method: method.id,
      paid: !decline,
      refunded: false,
      disputed: false,
      status: decline ? 'failed' : 'succeeded',
      failure_code: decline?.code ?? null,
      failure_message: decline?.message ?? null,
      billing_details: method.billing_details,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: decline ? 'declined_by_network' : 'approved_by_network',
        reason: decline ? (decline.declineCode ?? decline.code) : null,
        risk_level: 'normal',
        risk_score: 20,
        seller_message: decline
          ? 'The bank did not return any further details with this decline.'
          : 'Payment complete.',
        type: decline ? 'issuer_declined' : 'authorized',
      } as Stripe.Charge.Outcome,
      metadata: { ...paymentIntent.metadata },
      livemode: false,
      receipt_url: this.receiptUrl(chargeId, locale),
      receipt_number: null,
      refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${chargeId}/refunds` },
      payment_method_details: {
        type: 'card',
        card: {
          amount_authorized: decline ? null : paymentIntent.amount,
          authorization_code: decline ? null : '123456',
          brand: card?.brand ?? 'visa',
          checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
          country: card?.country ?? 'US',
          exp_month: card?.exp_month ?? 12,
          exp_year: card?.exp_year ?? 2034,
          extended_authorization: { status: 'disabled' },
          fingerprint: card?.fingerprint ?? null,
          funding: card?.funding ?? 'credit',
          incremental_authorization: { status: 'unavailable' },
          installments: null,
          last4: card?.last4 ?? '4242',
          mandate: null,
          multicapture: { status: 'unavailable' },
          network: card?.brand ?? 'visa',
          network_token: { used: false },
          network_transaction_id: null,
          overcapture: { maximum_amount_capturable: paymentIntent.amount, status: 'unavailable' },
          regulated_status: 'unregulated',
          three_d_secure: null,
          wallet: null,
        },
      } as unknown as Stripe.Charge.PaymentMethodDetails,
    });
    this.charges.set(chargeId, charge);
    paymentIntent.latest_charge = chargeId;
    return charge;
  }
}
