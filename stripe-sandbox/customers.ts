// Customers: created by our server once per tenant (under an idempotency key, see server.ts), reused for
// every Checkout Session of that tenant, and updated by Checkout with what the buyer enters when the
// session says `customer_update[name|address]=auto`; a tax ID entered in Checkout is added to them.

import type Stripe from 'stripe';
import type { FormValue } from './form-encoding.ts';
import { invalid, noSuch, stringRecord } from './sandbox-api-error.ts';
import { customerObject, nowSeconds, stripeId } from './stripe-objects.ts';

export class Customers {
  readonly customers = new Map<string, Stripe.Customer>();
  /** A customer's tax IDs; Stripe shows them only when asked for (`expand[]=tax_ids`). */
  private readonly taxIds = new Map<string, Stripe.TaxId[]>();

  create(params: Record<string, FormValue>): Stripe.Customer {
    const customer = customerObject({
      id: stripeId('cus', 14),
      metadata: stringRecord(params.metadata, 'metadata'),
      ...customerFields(params),
    });
    this.customers.set(customer.id, customer);
    this.taxIds.set(customer.id, []);
    return customer;
  }

  retrieve(id: string, expand: FormValue | undefined = undefined, param = 'id'): Stripe.Customer {
    const customer = this.customers.get(id);
    if (!customer) throw noSuch('customer', id, param);
    if (!(Array.isArray(expand) && expand.includes('tax_ids'))) return customer;
    const taxIds = this.taxIds.get(id) ?? [];
    return {
      ...customer,
      tax_ids: { object: 'list', data: taxIds, has_more: false, url: `/v1/customers/${id}/tax_ids` },
    };
  }

  update(id: string, params: Record<string, FormValue>): Stripe.Customer {
    const customer = this.retrieve(id);
    Object.assign(customer, customerFields(params));
    if (params.metadata !== undefined)
      customer.metadata = { ...customer.metadata, ...stringRecord(params.metadata, 'metadata') };
    return customer;
  }

  /** Checkout adds a tax ID the buyer entered to the session's customer (once per value). */
  addTaxId(id: string, taxId: { type: Stripe.TaxId.Type; value: string }, country: string | null) {
    const known = this.taxIds.get(id) ?? [];
    if (known.some((existing) => existing.type === taxId.type && existing.value === taxId.value)) return;
    known.push({
      id: stripeId('txi'),
      object: 'tax_id',
      country,
      created: nowSeconds(),
      customer: id,
      customer_account: null,
      livemode: false,
      owner: { type: 'customer', customer: id },
      type: taxId.type,
      value: taxId.value,
      verification: { status: 'unavailable', verified_address: null, verified_name: null },
    } as Stripe.TaxId);
    this.taxIds.set(id, known);
  }

  /** The next invoice number of a customer, `<invoice_prefix>-0001` onwards, as Stripe numbers them. */
  nextInvoiceNumber(id: string): string {
    const customer = this.retrieve(id);
    const sequence = customer.next_invoice_sequence ?? 1;
    customer.next_invoice_sequence = sequence + 1;
    return `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
  }
}

/** The fields of a create or update request that the sandbox keeps. */
function customerFields(params: Record<string, FormValue>): Partial<Stripe.Customer> {
  const fields: Partial<Stripe.Customer> = {};
  for (const key of ['name', 'email', 'description', 'phone'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(`Invalid string: ${key}`, key);
    fields[key] = value === '' ? null : value;
  }
  if (params.preferred_locales !== undefined) {
    const locales = params.preferred_locales;
    if (locales !== '' && !Array.isArray(locales)) throw invalid('Invalid array', 'preferred_locales');
    fields.preferred_locales = locales === '' ? [] : locales.map(String);
  }
  if (params.address !== undefined) fields.address = addressOf(params.address, 'address');
  return fields;
}

export function addressOf(value: FormValue, param: string): Stripe.Address | null {
  if (value === '') return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid hash', param);
  const field = (key: string) => {
    const item = value[key];
    if (item !== undefined && typeof item !== 'string') throw invalid('Invalid string', `${param}[${key}]`);
    return item === undefined || item === '' ? null : item;
  };
  return {
    city: field('city'),
    country: field('country'),
    line1: field('line1'),
    line2: field('line2'),
    postal_code: field('postal_code'),
    state: field('state'),
  };
}
