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
    consent: null,
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

/** `previousAttributes`: what an update changed, as Stripe's `data.previous_attributes` names it. */
export function eventObject(
  type: string,
  object: unknown,
  previousAttributes?: Record<string, unknown>,
): Stripe.Event {
  return fromFixture<Stripe.Event>('event', {
    id: stripeId('evt'),
    api_version: SANDBOX_API_VERSION,
    created: nowSeconds(),
    data: {
      object: structuredClone(object),
      ...(previousAttributes ? { previous_attributes: previousAttributes } : {}),
    } as Stripe.Event['data'],
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: type as Stripe.Event['type'],
  } as Partial<Stripe.Event>);
}

// Customers and invoices are not among the fixtures this file starts from; they are built whole, field by
// field as the installed SDK's types describe them (API 2026-10-28.endive).

export function customerObject(
  fields: Pick<Stripe.Customer, 'id' | 'metadata'> & Partial<Stripe.Customer>,
): Stripe.Customer {
  return {
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: stripeId('x', 8).slice(2).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...fields,
  };
}

export function invoiceObject(
  fields: Pick<
    Stripe.Invoice,
    'id' | 'currency' | 'lines' | 'subtotal' | 'total' | 'amount_paid' | 'customer' | 'number'
  > &
    Partial<Stripe.Invoice>,
): Stripe.Invoice {
  const created = nowSeconds();
  return {
    object: 'invoice',
    account_country: 'DE',
    account_name: 'credit-topup sandbox',
    account_tax_ids: null,
    amount_due: fields.total,
    amount_overpaid: 0,
    amount_remaining: fields.total - fields.amount_paid,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: true,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'manual',
    collection_method: 'charge_automatically',
    created,
    custom_fields: null,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    on_behalf_of: null,
    parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'paid',
    status_transitions: {
      finalized_at: created,
      marked_uncollectible_at: null,
      paid_at: created,
      voided_at: null,
    },
    subtotal_excluding_tax: null,
    test_clock: null,
    total_discount_amounts: [],
    total_excluding_tax: null,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: created,
    ...fields,
  };
}

export function paymentMethodObject(fields: Partial<Stripe.PaymentMethod>): Stripe.PaymentMethod {
  return fromFixture<Stripe.PaymentMethod>('payment_method', {
    // The fixture's buyer (Jenny in San Francisco) is not the sandbox's: a saved test card has no details.
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    customer: null,
    metadata: {},
    created: nowSeconds(),
    ...fields,
  });
}

export function setupIntentObject(fields: Partial<Stripe.SetupIntent>): Stripe.SetupIntent {
  return fromFixture<Stripe.SetupIntent>('setup_intent', {
    automatic_payment_methods: null,
    last_setup_error: null,
    next_action: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    } as Stripe.SetupIntent.PaymentMethodOptions,
    created: nowSeconds(),
    ...fields,
  });
}
