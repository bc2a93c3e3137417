import type { CheckoutLocale } from '../../contract/credit-topup-api.ts';

/** The language of the checkout: the one the element asks for, else the browser's first, else German. */
export function checkoutLocale(requested: unknown, acceptLanguage: string | undefined): CheckoutLocale {
  if (requested === 'de' || requested === 'en') return requested;
  const first = acceptLanguage?.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'de';
}
