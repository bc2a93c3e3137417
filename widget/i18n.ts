// Every text of the element in German and English, and money with Intl.NumberFormat.

export type Locale = 'de' | 'en';

const de = {
  balance: 'Verfügbare Credits',
  buy: 'Credits aufladen',
  close: 'Schließen',
  choose: 'Wählen Sie ein Paket.',
  perCredit: (price: string) => `${price} pro Credit`,
  credits: (count: string) => `${count} Credits`,
  creating: 'Bezahlung wird vorbereitet …',
  back: 'Anderes Paket wählen',
  confirming: 'Zahlung wird bestätigt …',
  success: (credits: string) => `${credits} Credits wurden gutgeschrieben.`,
  newBalance: (balance: string) => `Neuer Stand: ${balance} Credits`,
  pending: 'Zahlung eingegangen – die Credits werden in Kürze gutgeschrieben.',
  pendingDebit:
    'Lastschrift erteilt – die Credits werden gutgeschrieben, sobald die Zahlung eingegangen ist.',
  failed: 'Die Zahlung ist fehlgeschlagen. Es wurden keine Credits gutgeschrieben.',
  done: 'Fertig',
  retry: 'Erneut versuchen',
  signedOut: 'Bitte melden Sie sich an, um Credits zu sehen und zu kaufen.',
  offline: 'Keine Internetverbindung. Bitte prüfen Sie Ihre Verbindung.',
  errors: {
    network_error: 'Der Server ist nicht erreichbar. Bitte versuchen Sie es erneut.',
    unauthorized: 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
    no_tenant: 'Ihr Konto gehört zu keiner aktiven Organisation.',
    rate_limited: 'Zu viele Versuche. Bitte warten Sie einen Moment.',
    stripe_unavailable:
      'Der Zahlungsanbieter ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    database_unavailable: 'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es erneut.',
    checkout_session_closed: 'Diese Zahlung ist bereits abgeschlossen oder abgelaufen.',
    stripe_load_failed: 'Die Zahlungsseite konnte nicht geladen werden.',
    internal_error: 'Ein unerwarteter Fehler ist aufgetreten.',
  } as Record<string, string | undefined>,
};

const en: typeof de = {
  balance: 'Available credits',
  buy: 'Buy credits',
  close: 'Close',
  choose: 'Choose a package.',
  perCredit: (price) => `${price} per credit`,
  credits: (count) => `${count} credits`,
  creating: 'Preparing payment …',
  back: 'Choose another package',
  confirming: 'Confirming payment …',
  success: (credits) => `${credits} credits were added.`,
  newBalance: (balance) => `New balance: ${balance} credits`,
  pending: 'Payment received – your credits arrive shortly.',
  pendingDebit: 'Direct debit authorised – your credits are added once the payment arrives.',
  failed: 'The payment failed. No credits were added.',
  done: 'Done',
  retry: 'Try again',
  signedOut: 'Please sign in to see and buy credits.',
  offline: 'You are offline. Please check your connection.',
  // The server's own messages are English: only codes that need other words are listed.
  errors: {
    network_error: 'The server cannot be reached. Please check your connection and try again.',
    unauthorized: 'Your session has expired. Please sign in again.',
  },
};

export type Messages = typeof de;

export function messages(locale: Locale): Messages {
  return locale === 'en' ? en : de;
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
