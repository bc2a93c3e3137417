// The monthly cap is typed in euros and sent as integer cents. The text is read as text: "50", "50,00",
// "50.5" and "50,5 €" are 5000, 5000, 5050 and 5050 cents, computed from the digits, never through a
// float (parseFloat("0.29") * 100 is 28.999…). A comma or a point is the decimal mark, with at most two
// digits after it: "1.000" is refused rather than guessed (a thousand in German, one in English).

import type { Locale } from '../i18n.ts';

/** The largest amount accepted, in cents: 1,000,000.00 € (a cap above that is a typing slip). */
const MOST_CENTS = 100_000_000;

/** Cents of a euro amount as typed, or undefined when it is not one (empty, negative, three decimals …). */
export function parseEuroCents(typed: string): number | undefined {
  const match = /^\s*(\d+)(?:[.,](\d{1,2}))?\s*(?:€|EUR)?\s*$/i.exec(typed);
  if (!match) return undefined;
  const [, euros = '', fraction = ''] = match;
  const cents = Number(euros) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(cents) && cents <= MOST_CENTS ? cents : undefined;
}

/** Cents as the field shows them: 5000 → "50,00" (German) or "50.00" (English), without grouping. */
export function euroFieldText(locale: Locale, cents: number): string {
  const euros = Math.trunc(cents / 100);
  const rest = String(cents % 100).padStart(2, '0');
  return `${euros}${locale === 'en' ? '.' : ','}${rest}`;
}
