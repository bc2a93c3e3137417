// The texts Stripe's checkout shows next to its button (custom_text) and the invoice's description, in
// the buyer's language. Stripe's button says "Bezahlen"/"Pay" and cannot be renamed (submit_type is a
// fixed list), so the text beside it states that the order costs money (§ 312j Abs. 3 BGB); whether
// that suffices is the merchant's lawyer's call (README, "Selling in Germany"). Plain text with
// markdown links, as Stripe's custom_text takes it, each at most 1200 characters.

import type { CheckoutLocale } from '../../contract/credit-topup-api.ts';
import { type CreditPackage, CUSTOM_AMOUNT_ID } from '../../credit-packages.ts';
import type { SellingSettings } from '../config.ts';

/** Stripe's limit for each custom_text message. */
export const CUSTOM_TEXT_MAX_LENGTH = 1200;

export interface CheckoutTexts {
  submit: string;
  afterSubmit: string;
  /** Replaces Stripe's own words beside the terms checkbox; only with a terms URL. */
  termsAcceptance: string | null;
}

export function checkoutTexts(selling: SellingSettings, locale: CheckoutLocale): CheckoutTexts {
  const { termsUrl, privacyUrl, withdrawalPolicyUrl } = selling.legal;
  const consumers = selling.sellTo === 'consumers';
  const de = locale === 'de';
  const submit = [
    de
      ? 'Mit Klick auf die Schaltfläche bestellen Sie zahlungspflichtig.'
      : 'By clicking the button you place an order with an obligation to pay.',
    consumers && withdrawalPolicyUrl
      ? de
        ? `[Widerrufsbelehrung](${withdrawalPolicyUrl})`
        : `[Cancellation policy](${withdrawalPolicyUrl})`
      : null,
    privacyUrl ? (de ? `[Datenschutzerklärung](${privacyUrl})` : `[Privacy policy](${privacyUrl})`) : null,
  ];
  // Repeats the waiver the buyer gave in the element; Stripe's receipt e-mail then carries the
  // confirmation on a durable medium (§ 312f BGB). Businesses have no withdrawal right to waive.
  const afterSubmit = consumers
    ? de
      ? 'Sie haben ausdrücklich zugestimmt, dass wir vor Ablauf der Widerrufsfrist mit der Ausführung ' +
        'beginnen und Ihnen die Credits sofort gutschreiben, und bestätigt, dass Sie dadurch Ihr ' +
        'Widerrufsrecht verlieren. Diese Bestätigung erhalten Sie mit Ihrem Beleg per E-Mail.'
      : 'You have expressly agreed that we begin performance before the withdrawal period ends and credit ' +
        'the credits to your account at once, and acknowledged that you thereby lose your right of ' +
        'withdrawal. You receive this confirmation with your receipt by e-mail.'
    : de
      ? 'Die Rechnung mit ausgewiesener Umsatzsteuer erhalten Sie nach der Zahlung per E-Mail.'
      : 'You receive the invoice showing the VAT by e-mail after payment.';
  const termsAcceptance = termsUrl
    ? de
      ? `Ich akzeptiere die [Allgemeinen Geschäftsbedingungen](${termsUrl}).`
      : `I accept the [terms and conditions](${termsUrl}).`
    : null;
  return {
    submit: submit.filter(Boolean).join(' '),
    afterSubmit,
    termsAcceptance,
  };
}

/** The invoice's description: which package and how many credits, in the buyer's language. */
export function invoiceDescription(creditPackage: CreditPackage, locale: CheckoutLocale): string {
  if (creditPackage.id === CUSTOM_AMOUNT_ID) {
    return locale === 'de'
      ? `Guthaben: ${creditPackage.credits} Credits (individueller Betrag)`
      : `Prepaid credit: ${creditPackage.credits} credits (custom amount)`;
  }
  return locale === 'de'
    ? `Guthaben: ${creditPackage.credits} Credits (Paket ${creditPackage.name})`
    : `Prepaid credit: ${creditPackage.credits} credits (${creditPackage.name} package)`;
}
