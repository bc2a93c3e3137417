// One Stripe customer per tenant, created once and reused, so that invoices, tax IDs and addresses
// accrue to the organisation instead of a guest per purchase. Race-free on three levels:
//   * in this instance, concurrent first purchases of a tenant share one Stripe call;
//   * across instances, Stripe's idempotency key (one per tenant) makes every create of the same
//     tenant answer the same customer (a request whose key is still in flight gets 409
//     idempotency_key_in_use and asks again);
//   * the ledger keeps the first customer recorded for the tenant and answers it to everyone.

import Stripe from 'stripe';
import type { CreditStore } from '../ledger/credit-store.ts';
import { callStripe, type StripeTiming } from './call-stripe.ts';

export interface TenantCustomers {
  /** The tenant's customer: `known` (from the ledger) if there is one, else created and recorded. */
  customerFor(tenantId: string, known: string | null, timing?: StripeTiming): Promise<string>;
}

/** How often a create whose idempotency key is in flight elsewhere is asked again, and how long apart. */
const IN_FLIGHT_ATTEMPTS = 5;
const IN_FLIGHT_PAUSE_MS = 250;

export function customerIdempotencyKey(tenantId: string): string {
  return `credit-topup-customer-${tenantId}`;
}

export function createTenantCustomers(
  stripe: Stripe,
  store: CreditStore,
  options: { livemode: boolean },
): TenantCustomers {
  const creating = new Map<string, Promise<string>>();

  async function create(tenantId: string, timing: StripeTiming | undefined): Promise<string> {
    // The same parameters every time: Stripe refuses a key reused with others.
    const params: Stripe.CustomerCreateParams = {
      metadata: { tenant_id: tenantId },
      preferred_locales: ['de'],
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const customer = await callStripe(
          () => stripe.customers.create(params, { idempotencyKey: customerIdempotencyKey(tenantId) }),
          timing,
        );
        return await store.rememberStripeCustomer(tenantId, options.livemode, customer.id);
      } catch (error) {
        const stripeError = (error as { cause?: unknown }).cause;
        const inFlight =
          stripeError instanceof Stripe.errors.StripeError && stripeError.code === 'idempotency_key_in_use';
        if (!inFlight || attempt >= IN_FLIGHT_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_PAUSE_MS * attempt));
      }
    }
  }

  return {
    async customerFor(tenantId, known, timing) {
      if (known) return known;
      let pending = creating.get(tenantId);
      if (!pending) {
        pending = create(tenantId, timing).finally(() => creating.delete(tenantId));
        creating.set(tenantId, pending);
      }
      return pending;
    },
  };
}
