// CSV as spreadsheet programs read it, in the caller's language: German (the default) with `;` between
// cells and a decimal comma, as German Excel expects; English with `,` and a decimal point. A UTF-8 byte
// order mark first, so Excel reads umlauts as UTF-8. Text that came from elsewhere (package ids, ref
// types, action codes, invoice numbers, links) is never read as a formula: a cell starting with = + - @
// (or a tab or carriage return) gets a leading apostrophe (OWASP's advice against CSV injection). The
// numbers are our own, written here, and stay numbers: -50 is a debit, not a formula.

export type CsvLocale = 'de' | 'en';

export const UTF8_BOM = '\uFEFF';

/** A cell: text from elsewhere, a number of ours, or nothing. */
export type CsvCell = { text: string | null } | { number: string } | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export const csvText = (value: string | null): CsvCell => ({ text: value });

/** Integer cents as a decimal amount: 2500 → "25,00" (de) or "25.00" (en). */
export function csvMoney(cents: number | null, locale: CsvLocale): CsvCell {
  if (cents === null) return null;
  const sign = cents < 0 ? '-' : '';
  const whole = Math.abs(cents);
  const fraction = String(whole % 100).padStart(2, '0');
  return { number: `${sign}${Math.trunc(whole / 100)}${locale === 'de' ? ',' : '.'}${fraction}` };
}

export const csvInteger = (value: number): CsvCell => ({ number: String(value) });

/** A database timestamp as "2026-11-26 13:43:23" in UTC, which both Excel and LibreOffice read as a date. */
export function csvDate(value: string | null): CsvCell {
  if (!value) return null;
  return { number: new Date(value).toISOString().slice(0, 19).replace('T', ' ') };
}

export function csvLine(cells: readonly CsvCell[], locale: CsvLocale): string {
  const separator = locale === 'de' ? ';' : ',';
  return `${cells.map((cell) => csvCell(cell, separator)).join(separator)}\r\n`;
}

function csvCell(cell: CsvCell, separator: string): string {
  if (cell === null) return '';
  if ('number' in cell) return cell.number;
  if (cell.text === null) return '';
  const safe = FORMULA_START.test(cell.text) ? `'${cell.text}` : cell.text;
  return safe.includes(separator) || /["\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
