// What a Checkout Session asks of the buyer beyond the payment, and what it promises after it: the
// terms of service checkbox (consent_collection), the custom texts, the billing address, a business tax
// ID, what Checkout writes back to an existing customer (customer_update), and the invoice. Validated as
// Stripe validates them; and the buyer's answers on the page, checked as Stripe's page checks them.

import type Stripe from 'stripe';
import { addressOf } from './customers.ts';
import type { FormValue } from './form-encoding.ts';
import { invalid, stringRecord } from './sandbox-api-error.ts';

/** Stripe's limit for each custom_text message. */
export const CUSTOM_TEXT_MAX_LENGTH = 1200;

export interface CheckoutCollection {
  consent_collection: Stripe.Checkout.Session.ConsentCollection | null;
  custom_text: Stripe.Checkout.Session.CustomText;
  tax_id_collection: Stripe.Checkout.Session.TaxIdCollection;
  billing_address_collection: Stripe.Checkout.Session.BillingAddressCollection | null;
  invoice_creation: Stripe.Checkout.Session.InvoiceCreation;
  /** Not part of the session object Stripe returns; kept to update the customer after payment. */
  customerUpdate: { name: boolean; address: boolean };
}

type Params = Record<string, FormValue>;

const hash = (value: FormValue | undefined, param: string): Params | undefined => {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', param);
  return value;
};

const oneOf = <T extends string>(value: FormValue | undefined, allowed: readonly T[], param: string) => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalid(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param);
  return value as T;
};

const booleanParam = (value: FormValue | undefined, param: string) => {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalid('Invalid boolean', param);
  return value === 'true';
};

export function checkoutCollectionOf(params: Params, customer: string | null): CheckoutCollection {
  const consent = hash(params.consent_collection, 'consent_collection');
  const termsOfService = oneOf(
    consent?.terms_of_service,
    ['required', 'none'] as const,
    'consent_collection[terms_of_service]',
  );
  // Stripe also needs a terms of service URL in the account's public details; the sandbox has one.
  const consentCollection: CheckoutCollection['consent_collection'] = consent
    ? {
        payment_method_reuse_agreement: null,
        promotions:
          oneOf(consent.promotions, ['auto', 'none'] as const, 'consent_collection[promotions]') ?? null,
        terms_of_service: termsOfService ?? null,
      }
    : null;

  const custom_text = customTextOf(params);
  if (custom_text.terms_of_service_acceptance && termsOfService !== 'required')
    throw invalid(
      'custom_text[terms_of_service_acceptance] can only be set when consent_collection[terms_of_service] is `required`.',
      'custom_text[terms_of_service_acceptance]',
    );

  const taxIdParams = hash(params.tax_id_collection, 'tax_id_collection');
  const taxIdEnabled = booleanParam(taxIdParams?.enabled, 'tax_id_collection[enabled]') ?? false;
  const taxIdRequired =
    oneOf(taxIdParams?.required, ['if_supported', 'never'] as const, 'tax_id_collection[required]') ??
    'never';

  const update = hash(params.customer_update, 'customer_update');
  if (update && !customer)
    throw invalid('customer_update can only be used with customer.', 'customer_update');
  const customerUpdate = {
    name: oneOf(update?.name, ['auto', 'never'] as const, 'customer_update[name]') === 'auto',
    address: oneOf(update?.address, ['auto', 'never'] as const, 'customer_update[address]') === 'auto',
  };
  oneOf(update?.shipping, ['auto', 'never'] as const, 'customer_update[shipping]');
  // Checkout saves the business name and tax ID on the customer: with an existing customer Stripe needs
  // the permission to overwrite its name.
  if (taxIdEnabled && customer && !customerUpdate.name)
    throw invalid(
      'tax_id_collection[enabled] with an existing customer requires customer_update[name] to be `auto`.',
      'customer_update[name]',
    );

  const billing =
    oneOf(params.billing_address_collection, ['auto', 'required'] as const, 'billing_address_collection') ??
    null;

  const invoiceParams = hash(params.invoice_creation, 'invoice_creation');
  const invoiceEnabled = booleanParam(invoiceParams?.enabled, 'invoice_creation[enabled]');
  if (invoiceParams && invoiceEnabled === undefined)
    throw invalid('Missing required param: invoice_creation[enabled].', 'invoice_creation[enabled]');
  const invoiceData = hash(invoiceParams?.invoice_data, 'invoice_creation[invoice_data]');
  const textOf = (key: 'description' | 'footer', max: number) => {
    const value = invoiceData?.[key];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string' || value.length > max)
      throw invalid(
        `invoice_creation[invoice_data][${key}] must be a string of at most ${max} characters.`,
        `invoice_creation[invoice_data][${key}]`,
      );
    return value;
  };

  return {
    consent_collection: consentCollection,
    custom_text,
    tax_id_collection: { enabled: taxIdEnabled, required: taxIdRequired },
    billing_address_collection: billing,
    invoice_creation: {
      enabled: invoiceEnabled ?? false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: textOf('description', 1500),
        footer: textOf('footer', 5000),
        issuer: null,
        metadata: stringRecord(invoiceData?.metadata, 'invoice_creation[invoice_data][metadata]'),
        rendering_options: null,
      },
    },
    customerUpdate,
  };
}

/** What the buyer enters on the checkout page besides the payment method. */
export interface CheckoutBuyerInput {
  /** The terms of service checkbox. */
  terms_accepted?: boolean;
  /** The buyer's name (with the billing address). */
  name?: string;
  /** The business's legal name, entered with its tax ID; Checkout saves it as the customer's name. */
  business_name?: string;
  email?: string;
  billing_address?: {
    line1?: string;
    line2?: string;
    postal_code?: string;
    city?: string;
    state?: string;
    country?: string;
  };
  /** A VAT number such as "DE123456789" (type eu_vat); Checkout offers the field only with tax ID collection. */
  tax_id?: string;
}

export type BuyerRefusal = { ok: false; code: string; message: string; field: string };

export interface BuyerDetails {
  customerDetails: Stripe.Checkout.Session.CustomerDetails;
  consent: Stripe.Checkout.Session.Consent | null;
  taxId: { type: 'eu_vat'; value: string } | null;
}

/** An EU VAT number: country prefix and 2–12 letters or digits (Stripe checks the format only, too). */
const EU_VAT_NUMBER =
  /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{2,12}$/;

/** Checks the buyer's form as Stripe's checkout page does before it pays; the refusal names the field. */
export function buyerDetailsOf(
  session: Stripe.Checkout.Session,
  input: CheckoutBuyerInput,
  customer: Stripe.Customer | null,
): BuyerDetails | BuyerRefusal {
  const termsRequired = session.consent_collection?.terms_of_service === 'required';
  if (termsRequired && input.terms_accepted !== true)
    return {
      ok: false,
      code: 'terms_of_service_not_accepted',
      message: 'Please accept the terms of service to continue.',
      field: 'terms_accepted',
    };

  const given = input.billing_address ?? {};
  const address = addressOf(given as Record<string, string>, 'billing_address');
  if (session.billing_address_collection === 'required') {
    const lacking = (['line1', 'postal_code', 'city', 'country'] as const).find((key) => !address?.[key]);
    if (lacking)
      return {
        ok: false,
        code: 'billing_address_incomplete',
        message: `The billing address is incomplete: ${lacking} is required.`,
        field: `billing_address[${lacking}]`,
      };
  }
  if (address?.country && !/^[A-Z]{2}$/.test(address.country))
    return {
      ok: false,
      code: 'billing_address_incomplete',
      message: 'The country must be a two-letter country code.',
      field: 'billing_address[country]',
    };

  let taxId: BuyerDetails['taxId'] = null;
  const taxIdValue = input.tax_id?.replace(/[\s.-]/g, '').toUpperCase() ?? '';
  // The page shows the field only when the session collects tax IDs; elsewhere nothing is taken from it.
  if (session.tax_id_collection?.enabled && taxIdValue !== '') {
    if (!EU_VAT_NUMBER.test(taxIdValue))
      return { ok: false, code: 'tax_id_invalid', message: 'The tax ID is invalid.', field: 'tax_id' };
    taxId = { type: 'eu_vat', value: taxIdValue };
  }

  const businessName = input.business_name?.trim() || null;
  const name = input.name?.trim() || businessName || customer?.name || null;
  return {
    customerDetails: {
      // Card payments ask for at least the country; with `required` the whole address.
      address: address?.country ? address : { ...emptyAddress, country: 'DE' },
      business_name: businessName,
      email: input.email?.trim() || customer?.email || 'buyer@example.com',
      individual_name: null,
      name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: taxId ? [taxId] : [],
    },
    consent: termsRequired ? { promotions: null, terms_of_service: 'accepted' } : null,
    taxId,
  };
}

const emptyAddress: Stripe.Address = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

/** The session's custom texts (`custom_text[…][message]`), each at most Stripe's 1,200 characters. */
export function customTextOf(params: Record<string, FormValue>): Stripe.Checkout.Session.CustomText {
  const customText = hash(params.custom_text, 'custom_text');
  const message = (name: 'submit' | 'after_submit' | 'terms_of_service_acceptance' | 'shipping_address') => {
    const param = `custom_text[${name}]`;
    const part = hash(customText?.[name], param);
    if (!part) return null;
    const text = part.message;
    if (typeof text !== 'string' || text === '')
      throw invalid(`Missing required param: ${param}[message].`, `${param}[message]`);
    if (text.length > CUSTOM_TEXT_MAX_LENGTH)
      throw invalid(
        `${param}[message] must be at most ${CUSTOM_TEXT_MAX_LENGTH} characters.`,
        `${param}[message]`,
      );
    return { message: text };
  };
  return {
    after_submit: message('after_submit'),
    shipping_address: message('shipping_address'),
    submit: message('submit'),
    terms_of_service_acceptance: message('terms_of_service_acceptance'),
  };
}
