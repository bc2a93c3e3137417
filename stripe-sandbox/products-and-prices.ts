// Products and Prices, for `npm run stripe:sync-products` and for sessions priced by a synced Price
// (lookup keys, transfer_lookup_key, deactivation), with Stripe's validation of what they are given.

import type Stripe from 'stripe';
import type { FormValue } from './form-encoding.ts';
import {
  integerParam,
  invalid,
  missing,
  noSuch,
  SandboxApiError,
  stringRecord,
} from './sandbox-api-error.ts';
import { nowSeconds, priceObject, productObject, stripeId } from './stripe-objects.ts';

export class ProductsAndPrices {
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();

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
      tax_behavior: taxBehaviorParam(params.tax_behavior) ?? 'unspecified',
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
    const taxBehavior = taxBehaviorParam(params.tax_behavior);
    if (taxBehavior !== undefined && taxBehavior !== price.tax_behavior) {
      // Stripe lets a price's tax behaviour be set once, from unspecified; after that it is fixed.
      if (price.tax_behavior !== 'unspecified' && price.tax_behavior !== null)
        throw invalid('tax_behavior cannot be changed once it is inclusive or exclusive.', 'tax_behavior');
      price.tax_behavior = taxBehavior;
    }
    if (params.metadata) price.metadata = { ...price.metadata, ...stringRecord(params.metadata, 'metadata') };
    return price;
  }
}

function taxBehaviorParam(value: FormValue | undefined): Stripe.Price.TaxBehavior | undefined {
  if (value === undefined) return undefined;
  if (value !== 'inclusive' && value !== 'exclusive' && value !== 'unspecified')
    throw invalid('Invalid tax_behavior: must be one of inclusive, exclusive, unspecified', 'tax_behavior');
  return value;
}
