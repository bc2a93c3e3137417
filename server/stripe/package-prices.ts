// Stripe Prices for the credit packages, created by `npm run stripe:sync-products` (the plan's step 2).
// The lookup key carries amount and currency, so a package whose price changes in credit-packages.ts
// never picks up a stale Price. Without synced Prices, sessions price inline (price_data).

import type Stripe from 'stripe';
import { CREDIT_CURRENCY, type CreditPackage, creditPackages } from '../../credit-packages.ts';

export function packageLookupKey(creditPackage: CreditPackage, currency: string = CREDIT_CURRENCY): string {
  return `credit_topup_${creditPackage.id}_${creditPackage.amountCents}_${currency}`;
}

export function packageProductId(creditPackage: CreditPackage): string {
  return `credit_topup_${creditPackage.id}`;
}

export interface PackagePrices {
  /** The synced Price of a package, or null to price it inline. */
  priceIdFor(creditPackage: CreditPackage): Promise<string | null>;
}

export function createPackagePrices(
  stripe: Stripe,
  options: {
    /** The tax behavior every price must say; a synced Price that says another (or none) is not used. */
    taxBehavior?: 'inclusive' | 'exclusive';
    ttlMs?: number;
    retryAfterFailureMs?: number;
    now?: () => number;
    onError?: (error: unknown) => void;
  } = {},
): PackagePrices {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
  const now = options.now ?? Date.now;
  let cached: { prices: Map<string, string>; until: number } | null = null;
  let loading: Promise<Map<string, string>> | null = null;

  async function load(): Promise<Map<string, string>> {
    const prices = new Map<string, string>();
    try {
      const list = await stripe.prices.list({
        lookup_keys: creditPackages.map((creditPackage) => packageLookupKey(creditPackage)),
        active: true,
        limit: 100,
      });
      for (const price of list.data) {
        const creditPackage = creditPackages.find(
          (candidate) => packageLookupKey(candidate) === price.lookup_key,
        );
        // Use a Price only if it says exactly what the package costs, VAT included or not: a Price
        // without tax_behavior would let Stripe Tax change the amount the buyer was shown.
        if (
          creditPackage &&
          price.unit_amount === creditPackage.amountCents &&
          price.currency === CREDIT_CURRENCY &&
          price.tax_behavior === (options.taxBehavior ?? 'inclusive')
        ) {
          prices.set(creditPackage.id, price.id);
        }
      }
      cached = { prices, until: now() + ttlMs };
    } catch (error) {
      options.onError?.(error);
      cached = { prices, until: now() + retryAfterFailureMs };
    }
    return prices;
  }

  return {
    async priceIdFor(creditPackage) {
      if (!cached || cached.until <= now()) {
        loading ??= load().finally(() => {
          loading = null;
        });
        await loading;
      }
      return cached?.prices.get(creditPackage.id) ?? null;
    },
  };
}
