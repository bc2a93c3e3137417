// The sandbox's Stripe account: the objects it holds and what happens to them when a buyer pays, a
// delayed payment settles, or an operator refunds or disputes. Events go out through the WebhookSender.

import type Stripe from 'stripe';
import type { FormValue } from './form-encoding.ts';
import {
  chargeObject,
  checkoutSessionObject,
  disputeObject,
  eventObject,
  nowSeconds,
  paymentIntentObject,
  priceObject,
  productObject,
  refundObject,
  stripeId,
} from './stripe-objects.ts';
import type { WebhookSender } from './webhook-sender.ts';

/** An error in Stripe's own shape: `{ error: { type, message, code?, param? } }`. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body() {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code } : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
} as const;

export const TEST_IBANS = {
  /** Stripe's SEPA test IBAN that succeeds after a delay. */
  succeeds: 'DE89370400440532013000',
  /** Stripe's SEPA test IBAN that fails after a delay. */
  fails: 'DE62370400440532013001',
} as const;

export type PaymentMethodInput = { type: 'card'; number: string } | { type: 'sepa_debit'; iban: string };

export type PayResult =
  | { ok: true; session: Stripe.Checkout.Session }
  | { ok: false; code: string; message: string; declineCode?: string };

interface SessionExtras {
  paymentIntentMetadata: Record<string, string>;
}

const invalid = (message: string, param?: string) =>
  new SandboxApiError(400, 'invalid_request_error', message, 'parameter_invalid', param);
const missing = (param: string) =>
  new SandboxApiError(
    400,
    'invalid_request_error',
    `Missing required param: ${param}.`,
    'parameter_missing',
    param,
  );
const noSuch = (what: string, id: string, param = 'id') =>
  new SandboxApiError(404, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing', param);

export class SandboxAccount {
  readonly sessions = new Map<string, Stripe.Checkout.Session>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly disputes = new Map<string, Stripe.Dispute>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly events: Stripe.Event[] = [];
  private readonly extras = new Map<string, SessionExtras>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly sender: WebhookSender,
    private readonly options: { asyncPaymentDelayMs: number },
  ) {}

  close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  emit(type: string, object: unknown): Stripe.Event {
    const event = eventObject(type, object);
    this.events.push(event);
    this.sender.send(event);
    return event;
  }

  // ----- Checkout Sessions --------------------------------------------------------------------------

  createCheckoutSession(params: Record<string, FormValue>): Stripe.Checkout.Session {
    if (params.mode !== 'payment') throw invalid('The sandbox supports mode=payment only.', 'mode');
    const uiMode = (params.ui_mode as string | undefined) ?? 'hosted_page';
    if (!['hosted_page', 'embedded_page', 'elements', 'form'].includes(uiMode))
      throw invalid(`Invalid ui_mode: ${uiMode}`, 'ui_mode');
    const redirect = params.redirect_on_completion as string | undefined;
    if (uiMode === 'embedded_page') {
      if (params.success_url)
        throw invalid(
          'You cannot set success_url when ui_mode is embedded_page; use return_url.',
          'success_url',
        );
      if (params.cancel_url)
        throw invalid('You cannot set cancel_url when ui_mode is embedded_page.', 'cancel_url');
      if (redirect !== 'never' && !params.return_url) throw missing('return_url');
      if (redirect && !['always', 'if_required', 'never'].includes(redirect))
        throw invalid('Invalid redirect_on_completion.', 'redirect_on_completion');
    }
    const lineItems = params.line_items;
    if (!Array.isArray(lineItems) || lineItems.length === 0) throw missing('line_items');
    let currency: string | null = null;
    let subtotal = 0;
    lineItems.forEach((item, index) => {
      const line = item as Record<string, FormValue>;
      const quantity = integerParam(line.quantity, `line_items[${index}][quantity]`, 1);
      let unitAmount: number;
      let lineCurrency: string;
      if (typeof line.price === 'string') {
        const price = this.prices.get(line.price);
        if (!price?.active) throw noSuch('price', line.price, `line_items[${index}][price]`);
        unitAmount = price.unit_amount ?? 0;
        lineCurrency = price.currency;
      } else {
        const data = line.price_data as Record<string, FormValue> | undefined;
        if (!data) throw missing(`line_items[${index}][price_data]`);
        unitAmount = integerParam(data.unit_amount, `line_items[${index}][price_data][unit_amount]`, 0);
        lineCurrency = String(data.currency ?? '');
        const product = data.product_data as Record<string, FormValue> | undefined;
        if (!data.product && !product?.name)
          throw missing(`line_items[${index}][price_data][product_data][name]`);
      }
      if (!/^[a-z]{3}$/.test(lineCurrency))
        throw invalid('Invalid currency.', `line_items[${index}][price_data][currency]`);
      if (currency && currency !== lineCurrency)
        throw invalid('All line items must have the same currency.', 'line_items');
      currency = lineCurrency;
      subtotal += unitAmount * quantity;
    });
    const now = nowSeconds();
    const expiresAt =
      params.expires_at === undefined ? now + 24 * 3600 : integerParam(params.expires_at, 'expires_at', 0);
    // Stripe accepts 30 minutes to 24 hours from now.
    if (expiresAt < now + 30 * 60 - 60 || expiresAt > now + 24 * 3600 + 60) {
      throw invalid(
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
        'expires_at',
      );
    }
    const metadata = stringRecord(params.metadata, 'metadata');
    const paymentIntentData = params.payment_intent_data as Record<string, FormValue> | undefined;
    const id = stripeId('cs_test', 58);
    const session = checkoutSessionObject({
      id,
      object: 'checkout.session',
      client_secret: `${id}_secret_${stripeId('x', 24).slice(2)}`,
      amount_subtotal: subtotal,
      amount_total: subtotal,
      currency,
      metadata,
      client_reference_id: (params.client_reference_id as string | undefined) ?? null,
      mode: 'payment',
      ui_mode: uiMode as Stripe.Checkout.Session.UiMode,
      ...(params.return_url ? { return_url: String(params.return_url) } : {}),
      redirect_on_completion:
        (redirect as Stripe.Checkout.Session.RedirectOnCompletion | undefined) ??
        (uiMode === 'embedded_page' ? 'always' : undefined),
      locale: (params.locale as Stripe.Checkout.Session.Locale | undefined) ?? null,
      expires_at: expiresAt,
      status: 'open',
      payment_status: 'unpaid',
      livemode: false,
      payment_method_types: ['card', 'sepa_debit'],
      allow_promotion_codes: params.allow_promotion_codes === 'true' ? true : null,
      automatic_tax: {
        enabled: (params.automatic_tax as Record<string, FormValue> | undefined)?.enabled === 'true',
        liability: null,
        provider: null,
        status: null,
      },
      invoice_creation: {
        enabled: (params.invoice_creation as Record<string, FormValue> | undefined)?.enabled === 'true',
        invoice_data: null,
      } as unknown as Stripe.Checkout.Session.InvoiceCreation,
    });
    this.sessions.set(id, session);
    this.extras.set(id, {
      paymentIntentMetadata: stringRecord(paymentIntentData?.metadata, 'payment_intent_data[metadata]'),
    });
    return session;
  }

  session(id: string): Stripe.Checkout.Session {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id);
    return session;
  }

  sessionByClientSecret(clientSecret: string): Stripe.Checkout.Session | undefined {
    const id = clientSecret.split('_secret_')[0] ?? '';
    const session = this.sessions.get(id);
    return session && session.client_secret === clientSecret ? session : undefined;
  }

  /** What the buyer does on the checkout page. */
  pay(sessionId: string, method: PaymentMethodInput): PayResult {
    const session = this.session(sessionId);
    if (session.status !== 'open')
      return { ok: false, code: 'session_closed', message: 'This Checkout Session is no longer open.' };
    if (session.expires_at <= nowSeconds()) {
      this.expire(sessionId);
      return { ok: false, code: 'session_expired', message: 'This Checkout Session has expired.' };
    }
    const amount = session.amount_total ?? 0;
    const currency = session.currency ?? 'eur';
    const metadata = this.extras.get(sessionId)?.paymentIntentMetadata ?? {};

    if (method.type === 'card') {
      const number = method.number.replace(/\D/g, '');
      if (number === TEST_CARDS.declined) {
        return {
          ok: false,
          code: 'card_declined',
          declineCode: 'generic_decline',
          message: 'Your card was declined.',
        };
      }
      if (number !== TEST_CARDS.success) {
        return { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' };
      }
      const paymentIntent = this.createPaymentIntent(amount, currency, metadata, 'succeeded', 'card');
      this.createCharge(paymentIntent, 'succeeded', 'card');
      session.status = 'complete';
      session.payment_status = 'paid';
      session.payment_intent = paymentIntent.id;
      this.emit('checkout.session.completed', session);
      return { ok: true, session };
    }

    const iban = method.iban.replace(/\s/g, '').toUpperCase();
    if (iban !== TEST_IBANS.succeeds && iban !== TEST_IBANS.fails) {
      return { ok: false, code: 'invalid_iban', message: 'The IBAN you entered is invalid.' };
    }
    // SEPA Direct Debit: the session completes now, unpaid; the money settles (or fails) later.
    const paymentIntent = this.createPaymentIntent(amount, currency, metadata, 'processing', 'sepa_debit');
    const charge = this.createCharge(paymentIntent, 'pending', 'sepa_debit');
    session.status = 'complete';
    session.payment_status = 'unpaid';
    session.payment_intent = paymentIntent.id;
    this.emit('checkout.session.completed', session);
    this.later(() => {
      if (iban === TEST_IBANS.succeeds) {
        charge.status = 'succeeded';
        charge.paid = true;
        paymentIntent.status = 'succeeded';
        paymentIntent.amount_received = amount;
        session.payment_status = 'paid';
        this.emit('checkout.session.async_payment_succeeded', session);
      } else {
        charge.status = 'failed';
        charge.failure_code = 'insufficient_funds';
        paymentIntent.status = 'requires_payment_method';
        this.emit('checkout.session.async_payment_failed', session);
      }
    }, this.options.asyncPaymentDelayMs);
    return { ok: true, session };
  }

  expire(sessionId: string): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    if (session.status !== 'open')
      throw invalid(`Only open sessions can be expired; this one is ${session.status}.`);
    session.status = 'expired';
    this.emit('checkout.session.expired', session);
    return session;
  }

  // ----- Payments, refunds, disputes ----------------------------------------------------------------

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

  chargeOfSession(sessionId: string): Stripe.Charge {
    const session = this.session(sessionId);
    const paymentIntent = session.payment_intent
      ? this.paymentIntents.get(String(session.payment_intent))
      : undefined;
    const charge = paymentIntent?.latest_charge
      ? this.charges.get(String(paymentIntent.latest_charge))
      : undefined;
    if (!charge) throw invalid(`Checkout Session ${sessionId} has no charge yet.`);
    return charge;
  }

  refund(input: { charge?: string; payment_intent?: string; amount?: number }): Stripe.Refund {
    let charge: Stripe.Charge;
    if (input.charge) charge = this.charge(input.charge);
    else if (input.payment_intent) {
      const latest = this.paymentIntent(input.payment_intent).latest_charge;
      if (!latest) throw invalid('This PaymentIntent has no charge to refund.', 'payment_intent');
      charge = this.charge(String(latest));
    } else throw missing('charge');
    if (!charge.paid || charge.status !== 'succeeded')
      throw invalid('This charge cannot be refunded because it has not succeeded.', 'charge');
    const remaining = charge.amount - charge.amount_refunded;
    const amount = input.amount ?? remaining;
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) {
      throw invalid(
        `Refund amount (${amount}) must be positive and at most the unrefunded ${remaining}.`,
        'amount',
      );
    }
    const refund = refundObject({
      id: stripeId('re'),
      amount,
      charge: charge.id,
      currency: charge.currency,
      payment_intent: charge.payment_intent,
      status: 'succeeded',
    });
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    charge.refunds = {
      object: 'list',
      data: [refund, ...(charge.refunds?.data ?? [])],
      has_more: false,
      url: `/v1/charges/${charge.id}/refunds`,
    };
    this.emit('refund.created', refund);
    this.emit('charge.refunded', charge);
    return refund;
  }

  dispute(sessionId: string, input: { status?: string; amount?: number }): Stripe.Dispute {
    const charge = this.chargeOfSession(sessionId);
    const dispute = disputeObject({
      id: stripeId('dp'),
      amount: input.amount ?? charge.amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status: (input.status ?? 'needs_response') as Stripe.Dispute.Status,
      reason: 'fraudulent',
      is_charge_refundable: false,
    });
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    this.emit('charge.dispute.created', dispute);
    return dispute;
  }

  closeDispute(disputeId: string, status: 'won' | 'lost'): Stripe.Dispute {
    const dispute = this.disputes.get(disputeId);
    if (!dispute) throw noSuch('dispute', disputeId);
    dispute.status = status;
    this.emit('charge.dispute.closed', dispute);
    return dispute;
  }

  // ----- Products and prices (for `npm run stripe:sync-products`) --------------------------------------

  createProduct(params: Record<string, FormValue>): Stripe.Product {
    const id = (params.id as string | undefined) ?? stripeId('prod', 14);
    if (this.products.has(id))
      throw new SandboxApiError(
        400,
        'invalid_request_error',
        `Product already exists.`,
        'resource_already_exists',
        'id',
      );
    if (!params.name) throw missing('name');
    const product = productObject({
      id,
      name: String(params.name),
      metadata: stringRecord(params.metadata, 'metadata'),
      active: true,
      livemode: false,
    });
    this.products.set(id, product);
    return product;
  }

  updateProduct(id: string, params: Record<string, FormValue>): Stripe.Product {
    const product = this.products.get(id);
    if (!product) throw noSuch('product', id);
    if (params.name) product.name = String(params.name);
    if (params.active !== undefined) product.active = params.active === 'true';
    if (params.metadata)
      product.metadata = { ...product.metadata, ...stringRecord(params.metadata, 'metadata') };
    product.updated = nowSeconds();
    return product;
  }

  product(id: string): Stripe.Product {
    const product = this.products.get(id);
    if (!product) throw noSuch('product', id);
    return product;
  }

  createPrice(params: Record<string, FormValue>): Stripe.Price {
    const productId = String(params.product ?? '');
    if (!this.products.has(productId)) throw noSuch('product', productId, 'product');
    const lookupKey = (params.lookup_key as string | undefined) ?? null;
    if (lookupKey) {
      for (const price of this.prices.values()) {
        if (price.lookup_key !== lookupKey) continue;
        if (params.transfer_lookup_key !== 'true') {
          throw invalid(`A price (\`${price.id}\`) already uses that lookup key.`, 'lookup_key');
        }
        price.lookup_key = null;
      }
    }
    const price = priceObject({
      id: stripeId('price'),
      product: productId,
      unit_amount: integerParam(params.unit_amount, 'unit_amount', 0),
      // On the wire Stripe sends this as a decimal string.
      unit_amount_decimal: String(params.unit_amount) as unknown as Stripe.Price['unit_amount_decimal'],
      currency: String(params.currency ?? ''),
      lookup_key: lookupKey,
      metadata: stringRecord(params.metadata, 'metadata'),
      active: true,
      livemode: false,
    });
    this.prices.set(price.id, price);
    return price;
  }

  updatePrice(id: string, params: Record<string, FormValue>): Stripe.Price {
    const price = this.prices.get(id);
    if (!price) throw noSuch('price', id);
    if (params.active !== undefined) price.active = params.active === 'true';
    if (params.metadata) price.metadata = { ...price.metadata, ...stringRecord(params.metadata, 'metadata') };
    return price;
  }

  // -----------------------------------------------------------------------------------------------

  private createPaymentIntent(
    amount: number,
    currency: string,
    metadata: Record<string, string>,
    status: Stripe.PaymentIntent.Status,
    type: string,
  ) {
    const id = stripeId('pi');
    const paymentIntent = paymentIntentObject({
      id,
      amount,
      amount_received: status === 'succeeded' ? amount : 0,
      currency,
      metadata,
      status,
      client_secret: `${id}_secret_${stripeId('x', 24).slice(2)}`,
      payment_method_types: [type],
      livemode: false,
    });
    this.paymentIntents.set(id, paymentIntent);
    return paymentIntent;
  }

  private createCharge(paymentIntent: Stripe.PaymentIntent, status: Stripe.Charge.Status, type: string) {
    const id = stripeId('ch');
    const charge = chargeObject({
      id,
      amount: paymentIntent.amount,
      amount_captured: paymentIntent.amount,
      amount_refunded: 0,
      currency: paymentIntent.currency,
      payment_intent: paymentIntent.id,
      paid: status === 'succeeded',
      refunded: false,
      disputed: false,
      status,
      metadata: {},
      livemode: false,
      refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
      ...(type === 'sepa_debit'
        ? {
            payment_method_details: {
              type: 'sepa_debit',
              sepa_debit: { bank_code: '37040044', country: 'DE', last4: '3000' },
            } as unknown as Stripe.Charge.PaymentMethodDetails,
          }
        : {}),
    });
    this.charges.set(id, charge);
    paymentIntent.latest_charge = id;
    return charge;
  }

  private later(task: () => void, delayMs: number) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    this.timers.add(timer);
  }
}

function integerParam(value: FormValue | undefined, param: string, min: number): number {
  if (value === undefined) throw missing(param);
  const parsed = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min) {
    throw invalid(`Invalid integer: ${String(value)}`, param);
  }
  return parsed;
}

function stringRecord(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', param);
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalid('Metadata may have at most 50 keys.', param);
  return Object.fromEntries(
    entries.map(([key, item]) => {
      if (typeof item !== 'string' || item.length > 500)
        throw invalid(`Invalid value for ${param}[${key}]`, `${param}[${key}]`);
      return [key, item];
    }),
  );
}
