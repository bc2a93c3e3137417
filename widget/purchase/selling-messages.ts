// The texts of selling lawfully in Germany, in German and English (formal "Sie"): the VAT note beside every
// price (PAngV), the names of the seller's legal pages, and the receipt and invoice of a purchase. They live
// in the dialog's chunk, not in ../i18n.ts, because the first paint shows no price. The waiver's own text
// is the server's (GET /v1/config), so that the element shows exactly the version the server records.

import type { VatTreatment } from '../../contract/credit-topup-api.ts';
import type { Locale } from '../i18n.ts';

const de = {
  // U+00A0 keeps each note one phrase, also on a 320 px phone.
  vat: { included: 'inkl.\u00a0MwSt.', added: 'zzgl.\u00a0MwSt.' } satisfies Record<VatTreatment, string>,
  terms: 'AGB',
  privacy: 'Datenschutz',
  withdrawalPolicy: 'Widerrufsbelehrung',
  invoicePdf: 'Rechnung\u00a0(PDF)',
  invoice: 'Rechnung',
  receipt: 'Beleg',
};

export type SellingMessages = typeof de;

const en: SellingMessages = {
  vat: { included: 'incl.\u00a0VAT', added: 'plus\u00a0VAT' },
  terms: 'Terms',
  privacy: 'Privacy',
  withdrawalPolicy: 'Withdrawal policy',
  invoicePdf: 'Invoice\u00a0(PDF)',
  invoice: 'Invoice',
  receipt: 'Receipt',
};

export function sellingMessages(locale: Locale): SellingMessages {
  return locale === 'en' ? en : de;
}
