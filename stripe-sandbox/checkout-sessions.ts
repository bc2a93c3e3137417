// Checkout Sessions: created by our server through the SDK, paid by the buyer in the sandbox's checkout
// page (card at once; SEPA Direct Debit completes unpaid and settles or fails later), or expired. A session
// in setup mode takes no payment: the buyer saves a card, which Checkout confirms through a SetupIntent
// (usage off_session) and attaches to the session's customer.

import type Stripe from 'stripe';
import { canPresentIn, presentmentOf } from './adaptive-pricing.ts';
import {
  buyerDetailsOf,
  type CheckoutBuyerInput,
  checkoutCollectionOf,
  customTextOf,
} from './checkout-collection.ts';
import type { Customers } from './customers.ts';
import type { SandboxEvents } from './events.ts';
import type { FormValue } from './form-encoding.ts';
import type { InvoiceLineInput, Invoices } from './invoices.ts';
import type { PaymentMethods } from './payment-methods.ts';
import type { Payments } from './payments.ts';
import type { ProductsAndPrices } from './products-and-prices.ts';
import {
  allowedCardTypes,
  integerParam,
  invalid,
  missing,
  noSuch,
  stringRecord,
} from './sandbox-api-error.ts';
import { SANDBOX_TAX_COUNTRY, taxBehaviorOf, taxOf } from './sandbox-tax.ts';
import type { SetupIntents } from './setup-intents.ts';
import { checkoutSessionObject, nowSeconds, stripeId } from './stripe-objects.ts';
import { cardOfNumber } from './test-cards.ts';

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

/** What the buyer enters on the checkout page: the payment method and the rest of the form. */
export type PayInput = PaymentMethodInput & CheckoutBuyerInput;

export type PayResult =
  | { ok: true; session: Stripe.Checkout.Session }
  /** `field` names the form field a refusal is about; without it, the payment itself was refused. */
  | { ok: false; code: string; message: string; declineCode?: string; field?: string };

/** What saving a card in a setup session leads to: done, a challenge to answer first, or a refusal. */
export type SaveCardResult =
  | { ok: true; session: Stripe.Checkout.Session; setupIntent: Stripe.SetupIntent }
  | Extract<PayResult, { ok: false }>;

export class CheckoutSessions {
  readonly sessions = new Map<string, Stripe.Checkout.Session>();
  /** What Checkout passes on to the payment intent it creates (payment_intent_data[metadata]). */
  private readonly paymentIntentMetadata = new Map<string, Record<string, string>>();
  /** Each session's lines with their tax, for its invoice. */
  private readonly lines = new Map<string, InvoiceLineInput[]>();
  /** Whether Checkout may overwrite the customer's name and address (customer_update). */
  private readonly customerUpdates = new Map<string, { name: boolean; address: boolean }>();
  /** A setup session's setup_intent_data[metadata], for the SetupIntent it makes. */
  private readonly setupIntentMetadata = new Map<string, Record<string, string>>();
  /** The SetupIntent a setup session is confirming (kept across the buyer's attempts), and back. */
  private readonly setupIntentOfSession = new Map<string, string>();
  private readonly sessionOfSetupIntent = new Map<string, string>();

  constructor(
    private readonly events: SandboxEvents,
    private readonly payments: Payments,
    private readonly catalog: ProductsAndPrices,
    private readonly customers: Customers,
    private readonly invoices: Invoices,
    private readonly asyncPaymentDelayMs: number,
    /** The account's dashboard setting, which a session's `adaptive_pricing[enabled]` overrides. */
    private readonly adaptivePricingByDefault: boolean,
    private readonly setupIntents: SetupIntents,
    private readonly paymentMethods: PaymentMethods,
  ) {
    // A challenge completed on the 3-D Secure page completes the session whose SetupIntent it was.
    setupIntents.onSucceeded((setupIntent) => {
      const sessionId = this.sessionOfSetupIntent.get(setupIntent.id);
      if (sessionId) this.completeSetup(sessionId, setupIntent);
    });
  }

  /** `origin`: where the sandbox is reached, for a hosted session's page (`url`). */
  create(params: Record<string, FormValue>, origin = 'http://sandbox.invalid'): Stripe.Checkout.Session {
    if (params.mode !== 'payment' && params.mode !== 'setup')
      throw invalid('The sandbox supports mode=payment and mode=setup.', 'mode');
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
    if (uiMode === 'hosted_page') {
      if (params.return_url)
        throw invalid(
          'You cannot set return_url when ui_mode is hosted_page; use success_url.',
          'return_url',
        );
      if (redirect)
        throw invalid(
          'You cannot set redirect_on_completion when ui_mode is hosted_page.',
          'redirect_on_completion',
        );
      for (const name of ['success_url', 'cancel_url']) {
        const value = params[name];
        if (value !== undefined && (typeof value !== 'string' || !/^https?:\/\//.test(value)))
          throw invalid(`Not a valid URL: ${name}`, name);
      }
    }
    if (params.mode === 'setup') return this.createSetup(params, uiMode, origin);
    const lineItems = params.line_items;
    if (!Array.isArray(lineItems) || lineItems.length === 0) throw missing('line_items');
    const automaticTax = (params.automatic_tax as Record<string, FormValue> | undefined)?.enabled === 'true';
    let currency: string | null = null;
    const lines: InvoiceLineInput[] = [];
    lineItems.forEach((item, index) => {
      const line = item as Record<string, FormValue>;
      const quantity = integerParam(line.quantity, `line_items[${index}][quantity]`, 1);
      let unitAmount: number;
      let lineCurrency: string;
      let taxBehavior: string | null | undefined;
      let description: string;
      if (typeof line.price === 'string') {
        const price = this.catalog.prices.get(line.price);
        if (!price?.active) throw noSuch('price', line.price, `line_items[${index}][price]`);
        unitAmount = price.unit_amount ?? 0;
        lineCurrency = price.currency;
        taxBehavior = price.tax_behavior;
        const product = this.catalog.products.get(String(price.product));
        description = product?.name ?? String(price.product);
      } else {
        const data = line.price_data as Record<string, FormValue> | undefined;
        if (!data) throw missing(`line_items[${index}][price_data]`);
        unitAmount = integerParam(data.unit_amount, `line_items[${index}][price_data][unit_amount]`, 0);
        lineCurrency = String(data.currency ?? '');
        const product = data.product_data as Record<string, FormValue> | undefined;
        if (!data.product && !product?.name)
          throw missing(`line_items[${index}][price_data][product_data][name]`);
        taxBehavior = data.tax_behavior as string | undefined;
        if (taxBehavior !== undefined && !['inclusive', 'exclusive', 'unspecified'].includes(taxBehavior))
          throw invalid('Invalid tax_behavior.', `line_items[${index}][price_data][tax_behavior]`);
        description = product?.name
          ? String(product.name)
          : (this.catalog.products.get(String(data.product))?.name ?? String(data.product));
      }
      if (!/^[a-z]{3}$/.test(lineCurrency))
        throw invalid('Invalid currency.', `line_items[${index}][price_data][currency]`);
      if (currency && currency !== lineCurrency)
        throw invalid('All line items must have the same currency.', 'line_items');
      currency = lineCurrency;
      const behavior = taxBehaviorOf(taxBehavior ?? undefined);
      const taxed = taxOf(unitAmount * quantity, behavior, automaticTax);
      lines.push({
        description,
        quantity,
        amount: taxed.subtotal,
        tax: taxed.tax,
        taxable: taxed.taxable,
        taxBehavior: behavior,
      });
    });
    const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
    const tax = lines.reduce((sum, line) => sum + line.tax, 0);
    // Exclusive tax comes on top; inclusive tax is part of the subtotal already.
    const total = lines.reduce(
      (sum, line) => sum + line.amount + (line.taxBehavior === 'exclusive' ? line.tax : 0),
      0,
    );
    const customer = this.customerOf(params);
    if (customer && params.customer_email)
      throw invalid(
        'You may only specify one of these parameters: customer, customer_email.',
        'customer_email',
      );
    const collection = checkoutCollectionOf(params, customer);
    const expiresAt = expiresAtOf(params);
    const metadata = stringRecord(params.metadata, 'metadata');
    const paymentIntentData = params.payment_intent_data as Record<string, FormValue> | undefined;
    const adaptivePricing = (params.adaptive_pricing as Record<string, FormValue> | undefined)?.enabled;
    const id = stripeId('cs_test', 58);
    const session = checkoutSessionObject({
      id,
      object: 'checkout.session',
      ...whereToPay(id, uiMode, origin, params),
      amount_subtotal: subtotal,
      amount_total: total,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: tax },
      currency,
      customer,
      customer_creation: customer ? null : 'if_required',
      customer_email: customer ? null : ((params.customer_email as string | undefined) ?? null),
      adaptive_pricing: {
        enabled: adaptivePricing === undefined ? this.adaptivePricingByDefault : adaptivePricing === 'true',
      },
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
      // The sandbox knows every buyer's location (Germany), so automatic tax is complete from the start.
      automatic_tax: {
        enabled: automaticTax,
        liability: automaticTax ? { type: 'self' } : null,
        provider: automaticTax ? 'stripe' : null,
        status: automaticTax ? 'complete' : null,
      },
      consent_collection: collection.consent_collection,
      custom_text: collection.custom_text,
      tax_id_collection: collection.tax_id_collection,
      billing_address_collection: collection.billing_address_collection,
      invoice_creation: collection.invoice_creation,
    });
    this.sessions.set(id, session);
    this.lines.set(id, lines);
    this.customerUpdates.set(id, collection.customerUpdate);
    this.paymentIntentMetadata.set(
      id,
      stringRecord(paymentIntentData?.metadata, 'payment_intent_data[metadata]'),
    );
    return session;
  }

  /** The session's customer, which must exist; null without one. */
  private customerOf(params: Record<string, FormValue>): string | null {
    return typeof params.customer === 'string' && params.customer !== ''
      ? this.customers.retrieve(params.customer, undefined, 'customer').id
      : null;
  }

  /** A session in setup mode (ui_mode and redirect parameters checked by create). */
  private createSetup(
    params: Record<string, FormValue>,
    uiMode: string,
    origin: string,
  ): Stripe.Checkout.Session {
    if (params.line_items !== undefined)
      throw invalid('You cannot pass `line_items` in `setup` mode.', 'line_items');
    const allowedTypes = allowedCardTypes(params, 'setup sessions');
    const currency = typeof params.currency === 'string' ? params.currency.toLowerCase() : null;
    // Stripe needs the currency to choose the payment methods, unless they are given.
    if (currency === null && !allowedTypes) throw missing('currency');
    if (currency !== null && !/^[a-z]{3}$/.test(currency)) throw invalid('Invalid currency.', 'currency');
    const customer = this.customerOf(params);
    const expiresAt = expiresAtOf(params);
    const setupIntentData = params.setup_intent_data as Record<string, FormValue> | undefined;
    const redirect = params.redirect_on_completion as string | undefined;
    const id = stripeId('cs_test', 58);
    const session = checkoutSessionObject({
      id,
      object: 'checkout.session',
      ...whereToPay(id, uiMode, origin, params),
      amount_subtotal: null,
      amount_total: null,
      total_details: null,
      currency,
      customer,
      customer_creation: null,
      customer_email: customer ? null : ((params.customer_email as string | undefined) ?? null),
      adaptive_pricing: { enabled: false },
      metadata: stringRecord(params.metadata, 'metadata'),
      client_reference_id: (params.client_reference_id as string | undefined) ?? null,
      mode: 'setup',
      ui_mode: uiMode as Stripe.Checkout.Session.UiMode,
      ...(params.return_url ? { return_url: String(params.return_url) } : {}),
      redirect_on_completion:
        (redirect as Stripe.Checkout.Session.RedirectOnCompletion | undefined) ??
        (uiMode === 'embedded_page' ? 'always' : undefined),
      locale: (params.locale as Stripe.Checkout.Session.Locale | undefined) ?? null,
      expires_at: expiresAt,
      status: 'open',
      // A setup session never takes a payment, from the start.
      payment_status: 'no_payment_required',
      setup_intent: null,
      livemode: false,
      allowed_payment_method_types: allowedTypes,
      payment_method_types: ['card'],
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      invoice_creation: null,
      billing_address_collection: null,
      consent_collection: null,
      tax_id_collection: { enabled: false, required: 'never' },
      // What the seller says above the button, e.g. what the saved card will be charged for.
      custom_text: customTextOf(params),
    });
    this.sessions.set(id, session);
    this.setupIntentMetadata.set(id, stringRecord(setupIntentData?.metadata, 'setup_intent_data[metadata]'));
    return session;
  }

  /**
   * The buyer saves a card in a setup session: Checkout confirms the session's SetupIntent (made on the
   * first attempt) with it. A card that needs authentication leaves the SetupIntent requires_action
   * (`setupIntent.next_action`); the session completes when the challenge is completed.
   */
  saveCard(
    sessionId: string,
    input: { number: string; expiry?: { month: number; year: number } },
  ): SaveCardResult {
    const session = this.retrieve(sessionId);
    if (session.mode !== 'setup') throw invalid('This Checkout Session is not in setup mode.');
    if (session.status !== 'open')
      return { ok: false, code: 'session_closed', message: 'This Checkout Session is no longer open.' };
    if (session.expires_at <= nowSeconds()) {
      this.expire(sessionId);
      return { ok: false, code: 'session_expired', message: 'This Checkout Session has expired.' };
    }
    const card = cardOfNumber(input.number);
    if (!card) return { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' };
    let setupIntentId = this.setupIntentOfSession.get(sessionId);
    if (!setupIntentId) {
      setupIntentId = this.setupIntents.create({
        customer: session.customer ? String(session.customer) : null,
        metadata: this.setupIntentMetadata.get(sessionId) ?? {},
      }).id;
      this.setupIntentOfSession.set(sessionId, setupIntentId);
      this.sessionOfSetupIntent.set(setupIntentId, sessionId);
    }
    const method = this.paymentMethods.create(card, input.expiry);
    const outcome = this.setupIntents.confirm(setupIntentId, method.id);
    if (outcome.status === 'failed') {
      const decline = outcome.decline === 'authentication_failed' ? null : outcome.decline;
      return {
        ok: false,
        code: decline?.code ?? 'setup_intent_authentication_failure',
        message: decline?.message ?? 'Authentication failed.',
        ...(decline?.declineCode ? { declineCode: decline.declineCode } : {}),
      };
    }
    return { ok: true, session, setupIntent: this.setupIntents.retrieve(setupIntentId) };
  }

  /** A setup session completes once its SetupIntent succeeded (and its card was attached). */
  private completeSetup(sessionId: string, setupIntent: Stripe.SetupIntent) {
    const session = this.retrieve(sessionId);
    if (session.status !== 'open') return;
    const customer = session.customer ? this.customers.retrieve(String(session.customer)) : null;
    session.status = 'complete';
    session.setup_intent = setupIntent.id;
    session.customer_details = {
      address: customer?.address ?? null,
      business_name: null,
      email: customer?.email ?? session.customer_email ?? null,
      individual_name: null,
      name: customer?.name ?? null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    this.events.emit('checkout.session.completed', session);
  }

  retrieve(id: string): Stripe.Checkout.Session {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id);
    return session;
  }

  byClientSecret(clientSecret: string): Stripe.Checkout.Session | undefined {
    const id = clientSecret.split('_secret_')[0] ?? '';
    const session = this.sessions.get(id);
    return session && session.client_secret === clientSecret ? session : undefined;
  }

  /**
   * What the buyer does on the checkout page; `buyerCurrency` is the currency they choose, which counts
   * only where Adaptive Pricing is on for the session (elsewhere they pay in the session's currency).
   */
  pay(sessionId: string, input: PayInput, buyerCurrency?: string): PayResult {
    const session = this.retrieve(sessionId);
    if (session.mode !== 'payment') throw invalid('This Checkout Session takes no payment: save a card.');
    if (session.status !== 'open')
      return { ok: false, code: 'session_closed', message: 'This Checkout Session is no longer open.' };
    if (session.expires_at <= nowSeconds()) {
      this.expire(sessionId);
      return { ok: false, code: 'session_expired', message: 'This Checkout Session has expired.' };
    }
    const amount = session.amount_total ?? 0;
    const currency = session.currency ?? 'eur';
    const metadata = this.paymentIntentMetadata.get(sessionId) ?? {};

    const customer = session.customer ? this.customers.retrieve(String(session.customer)) : null;
    const buyer = buyerDetailsOf(session, input, customer);
    if ('ok' in buyer) return buyer;
    const method: PaymentMethodInput =
      input.type === 'sepa_debit'
        ? { type: 'sepa_debit', iban: input.iban }
        : { type: 'card', number: input.number };
    const refused = refusalOf(method);
    if (refused) return refused;
    const presentment =
      buyerCurrency && session.adaptive_pricing?.enabled && canPresentIn(buyerCurrency, currency)
        ? presentmentOf(amount, buyerCurrency)
        : null;
    // A card is charged at once; a SEPA Direct Debit completes the session unpaid and settles later.
    const settled = method.type === 'card';
    const { paymentIntent, charge } = this.payments.createPayment({
      amount,
      currency,
      metadata,
      type: method.type,
      settled,
      presentment,
      locale: customer?.preferred_locales?.[0] ?? session.locale,
    });
    if (presentment) session.presentment_details = presentment;
    charge.billing_details = {
      ...charge.billing_details,
      address: buyer.customerDetails.address,
      email: buyer.customerDetails.email,
      name: buyer.customerDetails.name,
    };
    session.customer_details = buyer.customerDetails;
    session.consent = buyer.consent;
    if (customer) this.updateCustomer(sessionId, customer, buyer.customerDetails, buyer.taxId);
    session.status = 'complete';
    session.payment_status = settled ? 'paid' : 'unpaid';
    session.payment_intent = paymentIntent.id;
    // Stripe's order: the charge succeeds, the session completes, then its invoice is finalised and paid.
    if (settled) this.events.emit('charge.succeeded', charge);
    const invoice = settled ? this.invoiceIfAsked(session) : null;
    this.events.emit('checkout.session.completed', session);
    this.announceInvoice(invoice);
    if (method.type === 'sepa_debit') {
      const succeeds = normalisedIban(method.iban) === TEST_IBANS.succeeds;
      this.events.later(() => {
        if (succeeds) {
          charge.status = 'succeeded';
          charge.paid = true;
          paymentIntent.status = 'succeeded';
          paymentIntent.amount_received = amount;
          session.payment_status = 'paid';
          this.events.emit('charge.succeeded', charge);
          const settledInvoice = this.invoiceIfAsked(session);
          this.events.emit('checkout.session.async_payment_succeeded', session);
          this.announceInvoice(settledInvoice);
        } else {
          charge.status = 'failed';
          charge.failure_code = 'insufficient_funds';
          paymentIntent.status = 'requires_payment_method';
          this.events.emit('checkout.session.async_payment_failed', session);
        }
      }, this.asyncPaymentDelayMs);
    }
    return { ok: true, session };
  }

  /** Checkout makes the invoice once the payment succeeded: at once for cards, on settling for SEPA. */
  private invoiceIfAsked(session: Stripe.Checkout.Session): Stripe.Invoice | null {
    if (!session.invoice_creation?.enabled || session.invoice) return null;
    const invoice = this.invoices.createForSession(session, this.lines.get(session.id) ?? []);
    session.invoice = invoice.id;
    return invoice;
  }

  /**
   * The invoice's events, as Stripe sends them for a Checkout invoice: `invoice.finalized` (open, with its
   * number, hosted page and PDF, nothing paid yet), then `invoice.paid` by the session's payment.
   */
  private announceInvoice(invoice: Stripe.Invoice | null) {
    if (!invoice) return;
    this.events.emit('invoice.finalized', {
      ...invoice,
      status: 'open',
      amount_paid: 0,
      amount_remaining: invoice.amount_due,
      status_transitions: { ...invoice.status_transitions, paid_at: null },
    } satisfies Stripe.Invoice);
    this.events.emit('invoice.paid', invoice);
  }

  /** What Checkout writes back to the session's customer: name and address when allowed, the tax ID. */
  private updateCustomer(
    sessionId: string,
    customer: Stripe.Customer,
    details: Stripe.Checkout.Session.CustomerDetails,
    taxId: { type: 'eu_vat'; value: string } | null,
  ) {
    const allowed = this.customerUpdates.get(sessionId) ?? { name: false, address: false };
    const name = details.business_name ?? details.name;
    if (allowed.name && name) customer.name = name;
    if (allowed.address && details.address) customer.address = details.address;
    if (!customer.email && details.email) customer.email = details.email;
    if (taxId) this.customers.addTaxId(customer.id, taxId, details.address?.country ?? SANDBOX_TAX_COUNTRY);
  }

  expire(sessionId: string): Stripe.Checkout.Session {
    const session = this.retrieve(sessionId);
    if (session.status !== 'open')
      throw invalid(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${session.status}\`.`,
      );
    session.status = 'expired';
    this.events.emit('checkout.session.expired', session);
    return session;
  }
}

const normalisedIban = (iban: string) => iban.replace(/\s/g, '').toUpperCase();

/** What the checkout page answers to a test card or IBAN Stripe's test mode would refuse. */
function refusalOf(method: PaymentMethodInput): Extract<PayResult, { ok: false }> | null {
  if (method.type === 'sepa_debit') {
    const iban = normalisedIban(method.iban);
    return iban === TEST_IBANS.succeeds || iban === TEST_IBANS.fails
      ? null
      : { ok: false, code: 'invalid_iban', message: 'The IBAN you entered is invalid.' };
  }
  const number = method.number.replace(/\D/g, '');
  if (number === TEST_CARDS.declined) {
    return {
      ok: false,
      code: 'card_declined',
      declineCode: 'generic_decline',
      message: 'Your card was declined.',
    };
  }
  return number === TEST_CARDS.success
    ? null
    : { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' };
}

/** expires_at as given (Stripe accepts 30 minutes to 24 hours from now), else 24 hours from now. */
function expiresAtOf(params: Record<string, FormValue>): number {
  const now = nowSeconds();
  const expiresAt =
    params.expires_at === undefined ? now + 24 * 3600 : integerParam(params.expires_at, 'expires_at', 0);
  if (expiresAt < now + 30 * 60 - 60 || expiresAt > now + 24 * 3600 + 60) {
    throw invalid(
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      'expires_at',
    );
  }
  return expiresAt;
}

/** Stripe gives an embedded session a client secret, a hosted one no secret but the address of its page. */
function whereToPay(id: string, uiMode: string, origin: string, params: Record<string, FormValue>) {
  return uiMode === 'hosted_page'
    ? {
        client_secret: null,
        url: `${origin}/c/pay/${id}`,
        success_url: (params.success_url as string | undefined) ?? null,
        cancel_url: (params.cancel_url as string | undefined) ?? null,
      }
    : { client_secret: `${id}_secret_${stripeId('x', 24).slice(2)}` };
}
