// The one list of credit packages. The server prices Checkout Sessions from it and the widget shows it;
// change a package here and both follow. Money is integer cents, credits are integers.

export const CREDIT_CURRENCY = 'eur';

/** What one credit costs, in cents. Packages are multiples of it (no volume discount yet). */
export const CENTS_PER_CREDIT = 25;

export interface CreditPackage {
  /** Stable id: stored with every purchase, sent by the widget, used as Stripe Price lookup key suffix. */
  readonly id: string;
  /** Display name; the same in every language. */
  readonly name: string;
  readonly credits: number;
  /** Price in the smallest currency unit (cents). */
  readonly amountCents: number;
}

export const creditPackages: readonly CreditPackage[] = Object.freeze([
  { id: 'starter', name: 'Starter', credits: 50, amountCents: 1250 },
  { id: 'standard', name: 'Standard', credits: 100, amountCents: 2500 },
  { id: 'power', name: 'Power', credits: 500, amountCents: 12500 },
]);

export function findCreditPackage(id: unknown): CreditPackage | undefined {
  return typeof id === 'string' ? creditPackages.find((creditPackage) => creditPackage.id === id) : undefined;
}

/** The package id a purchase of a custom amount is recorded under (its credits and price are its own). */
export const CUSTOM_AMOUNT_ID = 'custom';

/** A custom amount as a package of its own: `credits` × CENTS_PER_CREDIT, integers only. */
export function customAmountPackage(credits: number): CreditPackage {
  return { id: CUSTOM_AMOUNT_ID, name: 'Custom', credits, amountCents: credits * CENTS_PER_CREDIT };
}
