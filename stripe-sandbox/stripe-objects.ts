// Stripe objects for the sandbox, each started from Stripe's own fixture (stripe-fixtures.json, taken
// unchanged from stripe/openapi) with only the fields of the scenario set on top.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';

const fixtures = JSON.parse(readFileSync(new URL('./stripe-fixtures.json', import.meta.url), 'utf8'))
  .resources as Record<string, unknown>;

/** The API version the official SDK of this project pins; events carry it like Stripe's do. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

function fromFixture<T>(name: string, fields: Partial<T>): T {
  return { ...(structuredClone(fixtures[name]) as object), ...fields } as T;
}

export function stripeId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return `${prefix}_${Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function checkoutSessionObject(fields: Partial<Stripe.Checkout.Session>): Stripe.Checkout.Session {
  return fromFixture<Stripe.Checkout.Session>('checkout.session', {
    // Fixture values that describe a different scenario are reset to what a fresh session has.
    after_expiration: null,
    allow_promotion_codes: null,
    cancel_url: null,
    consent_collection: null,
    // Only webhook endpoints on API versions before 2025-03-31 see a session's Adaptive Pricing here.
    currency_conversion: null,
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer_details: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: null,
    } as unknown as Stripe.Checkout.Session.InvoiceCreation,
    payment_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    success_url: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    url: null,
    created: nowSeconds(),
    ...fields,
  });
}

export function paymentIntentObject(fields: Partial<Stripe.PaymentIntent>): Stripe.PaymentIntent {
  return fromFixture<Stripe.PaymentIntent>('payment_intent', {
    canceled_at: null,
    last_payment_error: null,
    next_action: null,
    processing: null,
    transfer_data: null,
    created: nowSeconds(),
    ...fields,
  });
}

export function chargeObject(fields: Partial<Stripe.Charge>): Stripe.Charge {
  return fromFixture<Stripe.Charge>('charge', {
    captured: true,
    transfer_data: null,
    created: nowSeconds(),
    ...fields,
  });
}

export function refundObject(fields: Partial<Stripe.Refund>): Stripe.Refund {
  return fromFixture<Stripe.Refund>('refund', { created: nowSeconds(), ...fields });
}

export function disputeObject(fields: Partial<Stripe.Dispute>): Stripe.Dispute {
  return fromFixture<Stripe.Dispute>('dispute', { created: nowSeconds(), ...fields });
}

export function productObject(fields: Partial<Stripe.Product>): Stripe.Product {
  return fromFixture<Stripe.Product>('product', {
    default_price: null,
    description: null,
    package_dimensions: null,
    created: nowSeconds(),
    updated: nowSeconds(),
    ...fields,
  });
}

export function priceObject(fields: Partial<Stripe.Price>): Stripe.Price {
  return fromFixture<Stripe.Price>('price', {
    recurring: null,
    transform_quantity: null,
    type: 'one_time',
    created: nowSeconds(),
    ...fields,
  });
}

export function eventObject(type: string, object: unknown): Stripe.Event {
  return fromFixture<Stripe.Event>('event', {
    id: stripeId('evt'),
    api_version: SANDBOX_API_VERSION,
    created: nowSeconds(),
    data: { object: structuredClone(object) } as Stripe.Event['data'],
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: type as Stripe.Event['type'],
  } as Partial<Stripe.Event>);
}
