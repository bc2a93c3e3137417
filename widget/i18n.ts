// Every text of the element in German and English (formal "Sie"), and money with Intl.NumberFormat.
// Error texts are keyed by every code the element can meet: the server's (the HTTP contract's) and its
// own. A code without a German or an English text does not compile.

import type { ApiErrorCode, CheckoutLocale } from '../contract/credit-topup-api.ts';

export type Locale = CheckoutLocale;

/**
 * The server's codes, and the element's own: no connection, Stripe.js not loaded, a failed payment, another
 * embedded Checkout already open on the page (Stripe.js allows one).
 */
export type WidgetErrorCode =
  | ApiErrorCode
  | 'network_error'
  | 'stripe_load_failed'
  | 'payment_failed'
  | 'checkout_already_open';

/** The live balance's refusals are handled in its chunk, never shown: no text in the first load for them. */
type ShownErrorCode = Exclude<WidgetErrorCode, 'too_many_streams' | 'stream_unavailable'>;

// Requests the element itself builds wrongly, or that only Stripe sends: a reload is all a person can do.
const deBadRequest = 'Die Anfrage war ungültig. Bitte laden Sie die Seite neu.';
const enBadRequest = 'The request was not valid. Please reload the page.';

const de = {
  balance: 'Verfügbare Credits',
  buy: 'Credits aufladen',
  history: 'Verlauf',
  close: 'Schließen',
  choose: 'Wählen Sie ein Paket.',
  recommended: 'Empfohlen',
  perCredit: (price: string) => `${price} pro\u00a0Credit`,
  everyPackage: (perCredit: string) => `${perCredit} in jedem Paket`,
  credits: (count: string) => `${count}\u00a0Credits`,
  creating: 'Bezahlung wird vorbereitet …',
  back: 'Anderes Paket wählen',
  confirming: 'Zahlung wird bestätigt …',
  success: (credits: string) => `${credits}\u00a0Credits wurden gutgeschrieben.`,
  newBalance: 'Neuer Kontostand',
  pending: 'Zahlung eingegangen – die Credits werden in Kürze gutgeschrieben.',
  debit: 'SEPA-Lastschriftmandat erteilt',
  // U+2060 (word joiner) keeps "2–5" together, U+00A0 the number with its unit.
  debitTakes:
    'Die Credits werden gutgeschrieben, sobald die Zahlung eingegangen ist. Das dauert in der Regel 2–\u20605\u00a0Bankarbeitstage.',
  done: 'Fertig',
  retry: 'Erneut versuchen',
  signedOut: 'Bitte melden Sie sich an, um Credits zu sehen und zu kaufen.',
  offline: 'Keine Internetverbindung. Bitte prüfen Sie Ihre Verbindung.',
  stale: 'Nicht aktuell – wird erneut geladen …',
  low: 'Nur noch wenige Credits',
  failedHint: 'Sie können es erneut versuchen und dabei auch eine andere Zahlungsart wählen.',
  errors: {
    network_error: 'Der Server ist nicht erreichbar. Bitte versuchen Sie es erneut.',
    unauthorized: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
    no_tenant: 'Ihr Konto gehört zu keiner aktiven Organisation.',
    not_found: 'Diese Zahlung wurde nicht gefunden.',
    unknown_package: 'Dieses Paket gibt es nicht mehr. Bitte wählen Sie ein anderes.',
    invalid_amount: 'Diese Anzahl Credits ist nicht möglich.',
    withdrawal_waiver_required:
      'Bitte bestätigen Sie zuerst, dass die Credits sofort bereitgestellt werden sollen und Ihr Widerrufsrecht damit erlischt.',
    withdrawal_waiver_outdated:
      'Der Hinweis zum Widerrufsrecht wurde geändert. Bitte lesen und bestätigen Sie ihn erneut.',
    idempotency_key_reused:
      'Diese Zahlung wurde schon für ein anderes Paket begonnen. Bitte wählen Sie erneut.',
    checkout_session_closed: 'Diese Zahlung ist bereits abgeschlossen oder abgelaufen.',
    origin_not_allowed: 'Auf dieser Seite können keine Credits gekauft werden.',
    rate_limited: 'Zu viele Versuche. Bitte warten Sie einen Moment.',
    stripe_unavailable:
      'Der Zahlungsanbieter ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    stripe_error: 'Der Zahlungsanbieter hat die Anfrage abgelehnt. Bitte versuchen Sie es später erneut.',
    stripe_load_failed: 'Die Zahlungsseite konnte nicht geladen werden.',
    database_unavailable: 'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es erneut.',
    payment_failed: 'Die Zahlung ist fehlgeschlagen. Es wurden keine Credits gutgeschrieben.',
    checkout_already_open:
      'Auf dieser Seite ist bereits eine andere Zahlung geöffnet. Bitte schließen Sie diese zuerst.',
    internal_error: 'Ein unerwarteter Fehler ist aufgetreten.',
    invalid_json: deBadRequest,
    invalid_request: deBadRequest,
    invalid_limit: deBadRequest,
    invalid_cursor: deBadRequest,
    invalid_idempotency_key: deBadRequest,
    payload_too_large: deBadRequest,
    unsupported_media_type: deBadRequest,
    signature_invalid: deBadRequest,
  } satisfies Record<ShownErrorCode, string>,
};

export type Messages = typeof de;

const en: Messages = {
  balance: 'Available credits',
  buy: 'Buy credits',
  history: 'History',
  close: 'Close',
  choose: 'Choose a package.',
  recommended: 'Recommended',
  perCredit: (price) => `${price} per\u00a0credit`,
  everyPackage: (perCredit) => `${perCredit} in every package`,
  credits: (count) => `${count}\u00a0credits`,
  creating: 'Preparing payment …',
  back: 'Choose another package',
  confirming: 'Confirming payment …',
  success: (credits) => `${credits}\u00a0credits were added.`,
  newBalance: 'New balance',
  pending: 'Payment received – your credits arrive shortly.',
  debit: 'SEPA Direct Debit mandate granted',
  debitTakes:
    'Your credits are added once the payment arrives. This usually takes 2–\u20605\u00a0business days.',
  done: 'Done',
  retry: 'Try again',
  signedOut: 'Please sign in to see and buy credits.',
  offline: 'You are offline. Please check your connection.',
  stale: 'Not current – reloading …',
  low: 'Only a few credits left',
  failedHint: 'You can try again, also with another payment method.',
  errors: {
    network_error: 'The server cannot be reached. Please check your connection and try again.',
    unauthorized: 'Your session has expired. Please sign in again.',
    no_tenant: 'Your account is not a member of an active organisation.',
    not_found: 'This payment was not found.',
    unknown_package: 'This package no longer exists. Please choose another one.',
    invalid_amount: 'This number of credits is not possible.',
    withdrawal_waiver_required:
      'Please first confirm that the credits are to be provided at once and that you thereby lose your right of withdrawal.',
    withdrawal_waiver_outdated:
      'The notice on the right of withdrawal has changed. Please read and confirm it again.',
    idempotency_key_reused: 'This payment was started for another package. Please choose again.',
    checkout_session_closed: 'This payment is already completed or expired.',
    origin_not_allowed: 'Credits cannot be bought on this page.',
    rate_limited: 'Too many attempts. Please wait a moment.',
    stripe_unavailable: 'The payment provider cannot be reached right now. Please try again in a moment.',
    stripe_error: 'The payment provider declined the request. Please try again later.',
    stripe_load_failed: 'The payment page could not be loaded.',
    database_unavailable: 'The service is temporarily unavailable. Please try again.',
    payment_failed: 'The payment failed. No credits were added.',
    checkout_already_open: 'Another payment is already open on this page. Please close it first.',
    internal_error: 'Something unexpected went wrong.',
    invalid_json: enBadRequest,
    invalid_request: enBadRequest,
    invalid_limit: enBadRequest,
    invalid_cursor: enBadRequest,
    invalid_idempotency_key: enBadRequest,
    payload_too_large: enBadRequest,
    unsupported_media_type: enBadRequest,
    signature_invalid: enBadRequest,
  },
};

export function messages(locale: Locale): Messages {
  return locale === 'en' ? en : de;
}

/** The element's own text for an error code; a code it does not know (a newer server) gets the generic one. */
export function errorText(t: Messages, code: string): string {
  return Object.hasOwn(t.errors, code) ? t.errors[code as ShownErrorCode] : t.errors.internal_error;
}

export function toLocale(value: unknown): Locale {
  return typeof value === 'string' && value.toLowerCase().startsWith('en') ? 'en' : 'de';
}

const tags: Record<Locale, string> = { de: 'de-DE', en: 'en-GB' };

export function formatCredits(locale: Locale, credits: number): string {
  return new Intl.NumberFormat(tags[locale]).format(credits);
}

/** Integer cents to text, e.g. 1250 → "12,50 €"; the division happens only for display. */
export function formatMoney(locale: Locale, cents: number, currency: string): string {
  return new Intl.NumberFormat(tags[locale], { style: 'currency', currency: currency.toUpperCase() }).format(
    cents / 100,
  );
}
