// PaymentIntents and Charges: created when a buyer pays a Checkout Session, read back by our server
// (a dispute names only its charge; a refund's purchase is found through the payment intent's metadata).

import type Stripe from 'stripe';
import type { PresentmentDetails } from './adaptive-pricing.ts';
import { type DocumentLocale, documentLocaleOf } from './invoice-document.ts';
import type { PublicAddress } from './invoices.ts';
import { invalid, noSuch } from './sandbox-api-error.ts';
import { chargeObject, paymentIntentObject, stripeId } from './stripe-objects.ts';

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
    const receiptToken = stripeId('rcpt', 40).slice(5);
    this.receipts.set(receiptToken, { chargeId, locale: documentLocaleOf(input.locale) });
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
      receipt_url: `${this.address.url}/receipts/${receiptToken}`,
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
}
