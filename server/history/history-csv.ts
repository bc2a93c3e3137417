// The whole history of a tenant as CSV, streamed page by page along the same keyset as the JSON pages:
// memory stays one page, however long the history. Columns are named in the caller's language.

import type { LedgerEntry, PurchaseHistoryItem } from '../../contract/credit-topup-api.ts';
import type { HistoryPosition, HistoryRows } from '../ledger/credit-store.ts';
import {
  type CsvCell,
  type CsvLocale,
  csvDate,
  csvInteger,
  csvLine,
  csvMoney,
  csvText,
  UTF8_BOM,
} from './csv-format.ts';

/** Rows per database call while exporting: few round trips, a bounded amount in memory. */
export const CSV_PAGE_SIZE = 500;

export interface CsvTable<T> {
  heading: Record<CsvLocale, readonly string[]>;
  cells(row: T, locale: CsvLocale): CsvCell[];
}

export const PURCHASES_CSV: CsvTable<PurchaseHistoryItem> = {
  heading: {
    de: [
      'Datum',
      'Bezahlt am',
      'Erstattet am',
      'Paket',
      'Status',
      'Credits',
      'Preis',
      'Bezahlt',
      'Erstattet',
      'Währung',
      'Rechnungsnummer',
      'Rechnung',
      'Rechnung (PDF)',
      'Beleg',
      'Kauf-ID',
    ],
    en: [
      'Date',
      'Paid at',
      'Refunded at',
      'Package',
      'Status',
      'Credits',
      'Price',
      'Paid',
      'Refunded',
      'Currency',
      'Invoice number',
      'Invoice',
      'Invoice (PDF)',
      'Receipt',
      'Purchase ID',
    ],
  },
  cells: (row, locale) => [
    csvDate(row.created_at),
    csvDate(row.paid_at),
    csvDate(row.refunded_at),
    csvText(row.package_id),
    csvText(row.status),
    csvInteger(row.credits),
    csvMoney(row.amount_cents, locale),
    csvMoney(row.amount_paid_cents, locale),
    csvMoney(row.refunded_cents, locale),
    csvText(row.currency.toUpperCase()),
    csvText(row.invoice_number),
    csvText(row.invoice_url),
    csvText(row.invoice_pdf_url),
    csvText(row.receipt_url),
    csvText(row.id),
  ],
};

export const LEDGER_CSV: CsvTable<LedgerEntry> = {
  heading: {
    de: ['Datum', 'Art', 'Credits', 'Anlass', 'Aktion', 'Referenz', 'Buchungs-ID'],
    en: ['Date', 'Kind', 'Credits', 'Reason', 'Action', 'Reference', 'Entry ID'],
  },
  cells: (row) => [
    csvDate(row.created_at),
    csvText(row.kind),
    csvInteger(row.amount),
    csvText(row.ref_type),
    csvText(row.action_code),
    csvText(row.ref_id),
    csvText(row.id),
  ],
};

/**
 * The CSV body: the heading and the first page at once (already read, so that a refusal was still a
 * JSON answer), then each further page when the reader wants more.
 */
export function csvStream<T extends { id: string; created_at: string }>(
  table: CsvTable<T>,
  locale: CsvLocale,
  firstPage: T[],
  nextPage: (before: HistoryPosition) => Promise<HistoryRows<T>>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const lines = (rows: T[]) => rows.map((row) => csvLine(table.cells(row, locale), locale)).join('');
  let last = firstPage.at(-1);
  let done = firstPage.length < CSV_PAGE_SIZE;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(UTF8_BOM + csvLine(table.heading[locale].map(csvText), locale)));
      if (firstPage.length > 0) controller.enqueue(encoder.encode(lines(firstPage)));
      if (done) controller.close();
    },
    async pull(controller) {
      if (done || !last) return controller.close();
      const page = (await nextPage({ createdAt: last.created_at, id: last.id }))?.rows ?? [];
      if (page.length > 0) controller.enqueue(encoder.encode(lines(page)));
      last = page.at(-1);
      done = page.length < CSV_PAGE_SIZE;
      if (done) controller.close();
    },
  });
}
