// Adaptive Pricing in the sandbox: with it on for a session, a buyer can pay in their own currency. As on
// Stripe (API 2025-03-31 and later) the session, payment intent, charge and refunds keep the integration
// currency and amounts; `presentment_details` carry what the buyer saw and paid. The rates are fixed, so
// tests know the amounts; they are sandbox rates, not market rates.

/** Units of the buyer's currency per unit of the integration currency (EUR). */
const SANDBOX_RATES_PER_EUR: Record<string, number> = {
  usd: 1.0842,
  gbp: 0.8311,
  chf: 0.9377,
  pln: 4.2615,
  sek: 11.2047,
};

export interface PresentmentDetails {
  presentment_amount: number;
  presentment_currency: string;
}

/** Whether the sandbox can present `currency` for a session priced in `integrationCurrency`. */
export function canPresentIn(currency: string, integrationCurrency: string): boolean {
  return integrationCurrency === 'eur' && currency !== 'eur' && currency in SANDBOX_RATES_PER_EUR;
}

/** An amount of the integration currency (EUR cents) as the buyer sees it, in minor units. */
export function presentmentOf(amount: number, currency: string): PresentmentDetails {
  const rate = SANDBOX_RATES_PER_EUR[currency];
  if (rate === undefined) throw new Error(`the sandbox has no rate for ${currency}`);
  return { presentment_amount: Math.round(amount * rate), presentment_currency: currency };
}
