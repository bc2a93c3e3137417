// The sandbox's Stripe account: one object per Stripe resource, sharing the event log through which
// every change reaches the webhook endpoint.

import type Stripe from 'stripe';
import { CheckoutSessions } from './checkout-sessions.ts';
import { Customers } from './customers.ts';
import { Disputes } from './disputes.ts';
import { SandboxEvents } from './events.ts';
import { Invoices, type PublicAddress } from './invoices.ts';
import { Payments } from './payments.ts';
import { ProductsAndPrices } from './products-and-prices.ts';
import { Refunds } from './refunds.ts';
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

  constructor(
    sender: WebhookSender,
    options: { asyncPaymentDelayMs: number; adaptivePricingByDefault: boolean },
  ) {
    this.log = new SandboxEvents(sender);
    this.checkoutSessions = new CheckoutSessions(
      this.log,
      this.payments,
      this.catalog,
      this.customers,
      this.invoices,
      options.asyncPaymentDelayMs,
      options.adaptivePricingByDefault,
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
