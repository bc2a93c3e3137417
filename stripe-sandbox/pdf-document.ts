// A minimal, valid PDF 1.4 written by hand: A4 pages of text lines in Helvetica (a standard font, so
// nothing is embedded), WinAnsi-encoded so that German text and the euro sign print, with a
// cross-reference table whose byte offsets are exact. Enough for an invoice a buyer can open, print and
// file; no dependency.

/** One line of text on the page. */
export interface PdfLine {
  text: string;
  /** Font size in points (default 10). */
  size?: number;
  bold?: boolean;
  /** Extra space before the line, in points. */
  gapBefore?: number;
}

const PAGE_WIDTH = 595; // A4 in points
const PAGE_HEIGHT = 842;
const MARGIN = 56;

/** Windows-1252 bytes of the characters outside Latin-1 that an invoice uses. */
const WIN_ANSI_EXTRA: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  '„': 0x84,
  '…': 0x85,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '™': 0x99,
};

/** A text as the bytes of a PDF string literal in WinAnsiEncoding; what it cannot show becomes "?". */
function pdfString(text: string): Buffer {
  const bytes: number[] = [];
  for (const character of text.normalize('NFC')) {
    const code = character.codePointAt(0)!;
    let byte =
      WIN_ANSI_EXTRA[character] ??
      (code >= 0x20 && code <= 0xff && !(code >= 0x7f && code < 0xa0) ? code : 0x3f);
    if (character === '\u00a0' || character === '\u202f') byte = 0x20;
    // The three characters with a meaning inside a string literal are escaped.
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) bytes.push(0x5c);
    bytes.push(byte);
  }
  return Buffer.concat([Buffer.from('('), Buffer.from(bytes), Buffer.from(')')]);
}

/** The content stream of one page: its lines from the top, each at its size. */
function pageContent(lines: PdfLine[]): Buffer {
  const parts: Buffer[] = [Buffer.from('BT\n')];
  let y = PAGE_HEIGHT - MARGIN;
  for (const line of lines) {
    const size = line.size ?? 10;
    y -= (line.gapBefore ?? 0) + size * 1.4;
    parts.push(Buffer.from(`/${line.bold ? 'F2' : 'F1'} ${size} Tf\n1 0 0 1 ${MARGIN} ${y.toFixed(1)} Tm\n`));
    parts.push(pdfString(line.text), Buffer.from(' Tj\n'));
  }
  parts.push(Buffer.from('ET\n'));
  return Buffer.concat(parts);
}

/** The lines split into pages that fit between the margins. */
function paginate(lines: PdfLine[]): PdfLine[][] {
  const pages: PdfLine[][] = [[]];
  let used = 0;
  for (const line of lines) {
    const height = (line.gapBefore ?? 0) + (line.size ?? 10) * 1.4;
    if (used + height > PAGE_HEIGHT - 2 * MARGIN && pages.at(-1)!.length > 0) {
      pages.push([]);
      used = 0;
    }
    pages.at(-1)!.push(line);
    used += height;
  }
  return pages;
}

/** A PDF document of the lines, with `title` in its document information. */
export function pdfDocument(title: string, lines: PdfLine[]): Buffer {
  const pages = paginate(lines);
  // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then per page its page and its content.
  const firstPage = 6;
  const pageIds = pages.map((_, index) => firstPage + index * 2);
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from(
      `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    ),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>'),
    Buffer.concat([
      Buffer.from('<< /Title '),
      pdfString(title),
      Buffer.from(' /Producer (credit-topup Stripe sandbox) >>'),
    ]),
  ];
  for (const [index, page] of pages.entries()) {
    const content = pageContent(page);
    objects.push(
      Buffer.from(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
          `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageIds[index]! + 1} 0 R >>`,
      ),
      Buffer.concat([
        Buffer.from(`<< /Length ${content.length} >>\nstream\n`),
        content,
        Buffer.from('\nendstream'),
      ]),
    );
  }

  // The header's second line has bytes above 127, which tells readers the file is binary.
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = chunks[0]!.length;
  const offsets: number[] = [];
  for (const [index, body] of objects.entries()) {
    offsets.push(length);
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    chunks.push(object);
    length += object.length;
  }
  // Each cross-reference entry is exactly 20 bytes: 10-digit offset, 5-digit generation, n/f, CR LF.
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f\r',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n\r`),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  chunks.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(chunks);
}
