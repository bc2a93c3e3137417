// The sandbox's stand-in for Stripe Tax: every buyer is taken to be in Germany, at the standard rate of
// 19 %. Amounts stay integer cents. An `exclusive` price gets the tax added on top; an `inclusive` price
// keeps its amount, which contains the tax; without automatic tax no tax is computed at all.

import type Stripe from 'stripe';

export const SANDBOX_TAX_RATE_PERCENT = 19;
export const SANDBOX_TAX_COUNTRY = 'DE';

export type TaxBehavior = 'inclusive' | 'exclusive';

/**
 * A price whose tax behaviour is unspecified counts as inclusive: the sandbox account's setting "Include
 * tax in prices" is the one Stripe presets for EUR. (A Stripe account without that setting refuses such a
 * price under automatic tax.)
 */
export const SANDBOX_DEFAULT_TAX_BEHAVIOR: TaxBehavior = 'inclusive';

export interface TaxedAmount {
  /** What the line adds to the session's amount_subtotal: net for exclusive, gross for inclusive. */
  subtotal: number;
  /** The tax the line carries (on top for exclusive, contained for inclusive). */
  tax: number;
  /** What the buyer pays for the line. */
  total: number;
  /** Net amount, the tax base. */
  taxable: number;
}

export function taxOf(amount: number, behavior: TaxBehavior, automaticTax: boolean): TaxedAmount {
  if (!automaticTax) return { subtotal: amount, tax: 0, total: amount, taxable: amount };
  if (behavior === 'exclusive') {
    const tax = Math.round((amount * SANDBOX_TAX_RATE_PERCENT) / 100);
    return { subtotal: amount, tax, total: amount + tax, taxable: amount };
  }
  const tax = Math.round((amount * SANDBOX_TAX_RATE_PERCENT) / (100 + SANDBOX_TAX_RATE_PERCENT));
  return { subtotal: amount, tax, total: amount, taxable: amount - tax };
}

/** A tax behaviour as a price or price_data gives it, with the account default for `unspecified`. */
export function taxBehaviorOf(value: Stripe.Price['tax_behavior'] | string | undefined): TaxBehavior {
  return value === 'exclusive' || value === 'inclusive'
    ? (value as TaxBehavior)
    : SANDBOX_DEFAULT_TAX_BEHAVIOR;
}
