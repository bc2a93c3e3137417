// `npm run stripe:sync-products`: one Stripe Product and one Price per credit package (the plan's step 2),
// found again by product id and lookup key, so running it twice changes nothing. Checkout then uses
// these Prices; without them it prices inline. Every Price says its tax behavior (inclusive unless
// CREDIT_TOPUP_VAT=added), so turning on Stripe Tax never changes the amount a buyer was shown; a Price
// that says another is replaced (Stripe lets a Price's tax behavior be set only once).

import Stripe from 'stripe';
import { CREDIT_CURRENCY, creditPackages } from '../credit-packages.ts';
import { packageLookupKey, packageProductId } from '../server/stripe/package-prices.ts';

export interface SyncRow {
  packageId: string;
  productId: string;
  priceId: string;
  action: 'created' | 'updated' | 'unchanged';
}

export async function syncStripeProducts(
  stripe: Stripe,
  taxBehavior: 'inclusive' | 'exclusive' = 'inclusive',
): Promise<SyncRow[]> {
  const rows: SyncRow[] = [];
  for (const creditPackage of creditPackages) {
    const productId = packageProductId(creditPackage);
    const name = `${creditPackage.credits} Credits (${creditPackage.name})`;
    let action: SyncRow['action'] = 'unchanged';
    let product: Stripe.Product | null = null;
    try {
      product = await stripe.products.retrieve(productId);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404))
        throw error;
    }
    if (!product) {
      await stripe.products.create({ id: productId, name, metadata: { package_id: creditPackage.id } });
      action = 'created';
    } else if (product.name !== name || !product.active) {
      await stripe.products.update(productId, { name, active: true });
      action = 'updated';
    }

    const lookupKey = packageLookupKey(creditPackage);
    const existing = (await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 })).data[0];
    let priceId = existing?.id;
    if (
      !existing ||
      existing.unit_amount !== creditPackage.amountCents ||
      existing.currency !== CREDIT_CURRENCY ||
      existing.tax_behavior !== taxBehavior
    ) {
      const price = await stripe.prices.create({
        product: productId,
        unit_amount: creditPackage.amountCents,
        currency: CREDIT_CURRENCY,
        tax_behavior: taxBehavior,
        lookup_key: lookupKey,
        transfer_lookup_key: true,
        metadata: { package_id: creditPackage.id, credits: String(creditPackage.credits) },
      });
      priceId = price.id;
      if (action === 'unchanged') action = 'updated';
    }
    rows.push({ packageId: creditPackage.id, productId, priceId: priceId!, action });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { existsSync } = await import('node:fs');
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { createStripeClient } = await import('../server/stripe/stripe-client.ts');
  const secretKey = process.env.STRIPE_SECRET_KEY;
  if (!secretKey) {
    console.error('STRIPE_SECRET_KEY is required (a test key, or the sandbox key with STRIPE_API_BASE)');
    process.exit(1);
  }
  const apiBase = process.env.STRIPE_API_BASE ? new URL(process.env.STRIPE_API_BASE) : null;
  if (apiBase && secretKey.startsWith('sk_live_')) {
    console.error('STRIPE_API_BASE is refused with a live key');
    process.exit(1);
  }
  const rows = await syncStripeProducts(
    createStripeClient({ secretKey, apiBase, timeoutMs: 10_000, maxNetworkRetries: 2 }),
    process.env.CREDIT_TOPUP_VAT === 'added' ? 'exclusive' : 'inclusive',
  );
  console.table(rows);
}
