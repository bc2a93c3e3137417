// The texts of the "Verlauf" view, German (formal "Sie") and English. They live in the view's own chunk:
// the element's first load carries only the button's label (i18n.ts).

import type { PurchaseStatus } from '../../contract/credit-topup-api.ts';
import type { Locale } from '../i18n.ts';

const de = {
  purchases: 'Käufe',
  ledger: 'Credit-Bewegungen',
  more: 'Weitere laden',
  export: 'Als CSV exportieren',
  loading: 'Wird geladen …',
  noPurchases: 'Sie haben noch keine Credits gekauft.',
  noMovements: 'Es gibt noch keine Credit-Bewegungen.',
  custom: 'Eigener Betrag',
  invoice: (number: string | null) => (number ? `Rechnung ${number}` : 'Rechnung'),
  invoicePdf: 'Rechnung (PDF)',
  receipt: 'Zahlungsbeleg',
  refunded: (money: string) => `${money} erstattet`,
  purchase: 'Kauf',
  reversal: 'Rückbuchung nach Erstattung oder Zahlungseinspruch',
  restored: 'Rückbuchung aufgehoben',
  spent: 'Verbrauch',
  credited: 'Gutschrift',
  status: {
    pending: 'Offen',
    credited: 'Gutgeschrieben',
    failed: 'Fehlgeschlagen',
    expired: 'Abgelaufen',
    refunded: 'Erstattet',
    partially_refunded: 'Teilweise erstattet',
    disputed: 'Zahlungseinspruch',
  } satisfies Record<PurchaseStatus, string>,
};

export type HistoryMessages = typeof de;

const en: HistoryMessages = {
  purchases: 'Purchases',
  ledger: 'Credit movements',
  more: 'Load more',
  export: 'Export as CSV',
  loading: 'Loading …',
  noPurchases: 'You have not bought any credits yet.',
  noMovements: 'There are no credit movements yet.',
  custom: 'Custom amount',
  invoice: (number) => (number ? `Invoice ${number}` : 'Invoice'),
  invoicePdf: 'Invoice (PDF)',
  receipt: 'Receipt',
  refunded: (money) => `${money} refunded`,
  purchase: 'Purchase',
  reversal: 'Taken back after a refund or dispute',
  restored: 'Taken-back credits restored',
  spent: 'Spent',
  credited: 'Added',
  status: {
    pending: 'Pending',
    credited: 'Credited',
    failed: 'Failed',
    expired: 'Expired',
    refunded: 'Refunded',
    partially_refunded: 'Partially refunded',
    disputed: 'Disputed',
  },
};

export const historyMessages = (locale: Locale): HistoryMessages => (locale === 'en' ? en : de);
