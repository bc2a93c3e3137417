// The sandbox's Stripe account: one object per Stripe resource, sharing the event log through which
// every change reaches the webhook endpoint.

import type Stripe from 'stripe';
import { CheckoutSessions } from './checkout-sessions.ts';
import { Customers } from './customers.ts';
import { Disputes } from './disputes.ts';
import { SandboxEvents } from './events.ts';
import { Invoices, type PublicAddress } from './invoices.ts';
import { PaymentIntents } from './payment-intents.ts';
import { PaymentMethods } from './payment-methods.ts';
import { Payments } from './payments.ts';
import { ProductsAndPrices } from './products-and-prices.ts';
import { Refunds } from './refunds.ts';
import { SetupIntents } from './setup-intents.ts';
import type { WebhookSender } from './webhook-sender.ts';

export class SandboxAccount {
  private readonly log: SandboxEvents;
  /** The sandbox's own address, for the receipt and invoice pages it links; set once it listens. */
  readonly publicAddress: PublicAddress = { url: '' };
  readonly catalog = new ProductsAndPrices();
  readonly customers = new Customers();
  readonly payments = new Payments(this.publicAddress);
  readonly invoices = new Invoices(this.customers, this.publicAddress);
  readonly checkoutSessions: CheckoutSessions;
  readonly refunds: Refunds;
  readonly disputes: Disputes;
  readonly paymentMethods: PaymentMethods;
  readonly setupIntents: SetupIntents;
  /** PaymentIntents made through the API (a saved card charged off session). */
  readonly paymentIntents: PaymentIntents;

  constructor(
    sender: WebhookSender,
    options: { asyncPaymentDelayMs: number; adaptivePricingByDefault: boolean },
  ) {
    this.log = new SandboxEvents(sender);
    this.paymentMethods = new PaymentMethods(this.log);
    this.setupIntents = new SetupIntents(this.log, this.paymentMethods, this.publicAddress);
    this.paymentIntents = new PaymentIntents(
      this.log,
      this.payments,
      this.paymentMethods,
      this.customers,
      this.publicAddress,
    );
    this.checkoutSessions = new CheckoutSessions(
      this.log,
      this.payments,
      this.catalog,
      this.customers,
      this.invoices,
      options.asyncPaymentDelayMs,
      options.adaptivePricingByDefault,
      this.setupIntents,
      this.paymentMethods,
    );
    this.refunds = new Refunds(this.log, this.payments);
    this.disputes = new Disputes(this.log);
  }

  /** Every event of the account, oldest first. */
  get events(): Stripe.Event[] {
    return this.log.all;
  }

  close() {
    this.log.close();
  }
}
