// The purchase dialog's texts in German and English (formal "Sie"): they come with its chunk, not with the
// first load, and so do the texts of the errors only a checkout can meet (added to errorText's when it loads).

import { addErrorTexts, type Locale, type Messages, messages } from '../i18n.ts';

const de = {
  choose: 'Wählen Sie ein Paket.',
  recommended: 'Empfohlen',
  perCredit: (price: string) => `${price} pro\u00a0Credit`,
  everyPackage: (perCredit: string) => `${perCredit} in jedem Paket`,
  creating: 'Bezahlung wird vorbereitet …',
  confirming: 'Zahlung wird bestätigt …',
  success: (credits: string) => `${credits}\u00a0Credits wurden gutgeschrieben.`,
  newBalance: 'Neuer Kontostand',
  pending: 'Zahlung eingegangen – die Credits werden in Kürze gutgeschrieben.',
  debit: 'SEPA-Lastschriftmandat erteilt',
  // U+2060 (word joiner) keeps "2–5" together, U+00A0 the number with its unit.
  debitTakes:
    'Die Credits werden gutgeschrieben, sobald die Zahlung eingegangen ist. Das dauert in der Regel 2–\u20605\u00a0Bankarbeitstage.',
  done: 'Fertig',
  failedHint: 'Sie können es erneut versuchen und dabei auch eine andere Zahlungsart wählen.',
};

const en: typeof de = {
  choose: 'Choose a package.',
  recommended: 'Recommended',
  perCredit: (price) => `${price} per\u00a0credit`,
  everyPackage: (perCredit) => `${perCredit} in every package`,
  creating: 'Preparing payment …',
  confirming: 'Confirming payment …',
  success: (credits) => `${credits}\u00a0credits were added.`,
  newBalance: 'New balance',
  pending: 'Payment received – your credits arrive shortly.',
  debit: 'SEPA Direct Debit mandate granted',
  debitTakes:
    'Your credits are added once the payment arrives. This usually takes 2–\u20605\u00a0business days.',
  done: 'Done',
  failedHint: 'You can try again, also with another payment method.',
};

addErrorTexts('de', {
  unknown_package: 'Dieses Paket gibt es nicht mehr. Bitte wählen Sie ein anderes.',
  invalid_amount: 'Diese Anzahl Credits ist nicht möglich.',
  withdrawal_waiver_required:
    'Bitte bestätigen Sie zuerst, dass die Credits sofort bereitgestellt werden sollen und Ihr Widerrufsrecht damit erlischt.',
  withdrawal_waiver_outdated:
    'Der Hinweis zum Widerrufsrecht wurde geändert. Bitte lesen und bestätigen Sie ihn erneut.',
  idempotency_key_reused:
    'Diese Zahlung wurde schon für ein anderes Paket begonnen. Bitte wählen Sie erneut.',
  checkout_session_closed: 'Diese Zahlung ist bereits abgeschlossen oder abgelaufen.',
  stripe_unavailable:
    'Der Zahlungsanbieter ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
  stripe_error: 'Der Zahlungsanbieter hat die Anfrage abgelehnt. Bitte versuchen Sie es später erneut.',
  stripe_load_failed: 'Die Zahlungsseite konnte nicht geladen werden.',
  payment_failed: 'Die Zahlung ist fehlgeschlagen. Es wurden keine Credits gutgeschrieben.',
  checkout_already_open:
    'Auf dieser Seite ist bereits eine andere Zahlung geöffnet. Bitte schließen Sie diese zuerst.',
});

addErrorTexts('en', {
  unknown_package: 'This package no longer exists. Please choose another one.',
  invalid_amount: 'This number of credits is not possible.',
  withdrawal_waiver_required:
    'Please first confirm that the credits are to be provided at once and that you thereby lose your right of withdrawal.',
  withdrawal_waiver_outdated:
    'The notice on the right of withdrawal has changed. Please read and confirm it again.',
  idempotency_key_reused: 'This payment was started for another package. Please choose again.',
  checkout_session_closed: 'This payment is already completed or expired.',
  stripe_unavailable: 'The payment provider cannot be reached right now. Please try again in a moment.',
  stripe_error: 'The payment provider declined the request. Please try again later.',
  stripe_load_failed: 'The payment page could not be loaded.',
  payment_failed: 'The payment failed. No credits were added.',
  checkout_already_open: 'Another payment is already open on this page. Please close it first.',
});

export type PurchaseMessages = Messages & typeof de;

const merged: Partial<Record<Locale, PurchaseMessages>> = {};

/** The element's texts and the dialog's, in one object per language. */
export function purchaseMessages(locale: Locale): PurchaseMessages {
  const texts = merged[locale] ?? { ...messages(locale), ...(locale === 'en' ? en : de) };
  merged[locale] = texts;
  return texts;
}
