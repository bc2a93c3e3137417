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

/**
 * Codes only the checkout can meet: their texts come with the purchase dialog's chunk
 * (purchase/purchase-messages.ts), which adds them here when it loads, so the first load does not carry them.
 */
export type CheckoutErrorCode = Extract<
  ShownErrorCode,
  | 'unknown_package'
  | 'invalid_amount'
  | 'withdrawal_waiver_required'
  | 'withdrawal_waiver_outdated'
  | 'idempotency_key_reused'
  | 'checkout_session_closed'
  | 'stripe_unavailable'
  | 'stripe_error'
  | 'stripe_load_failed'
  | 'payment_failed'
  | 'checkout_already_open'
>;
/** Codes only the automatic top-up view meets: its chunk (auto-recharge/) brings and adds their texts. */
export type AutoRechargeErrorCode = Extract<
  ShownErrorCode,
  'forbidden' | 'payment_method_required' | 'invalid_threshold' | 'nothing_to_confirm'
>;
type ShellErrorCode = Exclude<ShownErrorCode, CheckoutErrorCode | AutoRechargeErrorCode>;

// Requests the element itself builds wrongly, or that only Stripe sends: a reload is all a person can do.
const deBadRequest = 'Die Anfrage war ungültig. Bitte laden Sie die Seite neu.';
const enBadRequest = 'The request was not valid. Please reload the page.';

const de = {
  balance: 'Verfügbare Credits',
  buy: 'Credits aufladen',
  history: 'Verlauf',
  autoRecharge: 'Automatische Aufladung',
  confirmAutoRecharge: 'Bitte bestätigen Sie die automatische Aufladung.',
  confirmNow: 'Jetzt bestätigen',
  close: 'Schließen',
  credits: (count: string) => `${count}\u00a0Credits`,
  back: 'Anderes Paket wählen',
  retry: 'Erneut versuchen',
  signedOut: 'Bitte melden Sie sich an, um Credits zu sehen und zu kaufen.',
  offline: 'Keine Internetverbindung. Bitte prüfen Sie Ihre Verbindung.',
  stale: 'Nicht aktuell – wird erneut geladen …',
  low: 'Nur noch wenige Credits',
  errors: {
    network_error: 'Der Server ist nicht erreichbar. Bitte versuchen Sie es erneut.',
    unauthorized: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
    no_tenant: 'Ihr Konto gehört zu keiner aktiven Organisation.',
    not_found: 'Diese Zahlung wurde nicht gefunden.',
    origin_not_allowed: 'Auf dieser Seite können keine Credits gekauft werden.',
    rate_limited: 'Zu viele Versuche. Bitte warten Sie einen Moment.',
    database_unavailable: 'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es erneut.',
    internal_error: 'Ein unerwarteter Fehler ist aufgetreten.',
    invalid_json: deBadRequest,
    invalid_request: deBadRequest,
    invalid_limit: deBadRequest,
    invalid_cursor: deBadRequest,
    invalid_idempotency_key: deBadRequest,
    payload_too_large: deBadRequest,
    unsupported_media_type: deBadRequest,
    signature_invalid: deBadRequest,
  } satisfies Record<ShellErrorCode, string>,
};

export type Messages = typeof de;

const en: Messages = {
  balance: 'Available credits',
  buy: 'Buy credits',
  history: 'History',
  autoRecharge: 'Automatic top-up',
  confirmAutoRecharge: 'Please confirm the automatic top-up.',
  confirmNow: 'Confirm now',
  close: 'Close',
  credits: (count) => `${count}\u00a0credits`,
  back: 'Choose another package',
  retry: 'Try again',
  signedOut: 'Please sign in to see and buy credits.',
  offline: 'You are offline. Please check your connection.',
  stale: 'Not current – reloading …',
  low: 'Only a few credits left',
  errors: {
    network_error: 'The server cannot be reached. Please check your connection and try again.',
    unauthorized: 'Your session has expired. Please sign in again.',
    no_tenant: 'Your account is not a member of an active organisation.',
    not_found: 'This payment was not found.',
    origin_not_allowed: 'Credits cannot be bought on this page.',
    rate_limited: 'Too many attempts. Please wait a moment.',
    database_unavailable: 'The service is temporarily unavailable. Please try again.',
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
  return Object.hasOwn(t.errors, code) ? t.errors[code as ShellErrorCode] : t.errors.internal_error;
}

/** The texts of the checkout's codes, or the automatic top-up's, added by their chunks when they load. */
export function addErrorTexts(
  locale: Locale,
  texts: Record<CheckoutErrorCode, string> | Record<AutoRechargeErrorCode, string>,
) {
  Object.assign(messages(locale).errors, texts);
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
