// Renders the final statement (docs/architecture.md, "The statement as an archival document"). Gathering the facts is the activity's job; this
// only draws them. Every date comes from the case, so the same case renders the same bytes.
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { reserveSignature, type SignatureFields } from './pdf-signature';
import { monoAdvance, PdfText, type TextStyle } from './pdf-text';
import { readableMoment } from '../../domain/dates';

export interface StatementSection {
  heading: string;
  paragraphs?: string[];
  rows?: [string, string][];
  /** `compact`: one monospaced line per row, cells cut to their column: fast for thousands of rows. */
  table?: { columns: string[]; widths: number[]; rows: string[][]; compact?: boolean };
}

export interface StatementContent {
  title: string;
  statementId: string;
  issuedAt: Date;
  subject: string;
  sections: StatementSection[];
  footer: string;
  /** The line under the title; "Statement <id> · issued <when>" unless given (a letter is no statement). */
  idLine?: string;
  /** Printed as a QR code beside the title: where anyone checks this statement. */
  verifyUrl?: string;
  /** Files embedded in the PDF (PDF/A-3 associated files): the statement's data as JSON, say. */
  attachments?: { name: string; type: string; description: string; content: string }[];
  /** Room for a signature inside the PDF, filled by `signPdf` once drawn (infra/statement/pdf-signature.ts). */
  signature?: SignatureFields;
}

const MARGIN = 56;
const BODY: TextStyle = { size: 9.5 };
const FOOTER: TextStyle = { size: 7.5, color: '#555555' };

/**
 * Draws the document as PDF/A-3b (ISO 19005-3, level B): every font embedded and subset, the sRGB output intent,
 * XMP identification, and its attachments as associated files, so an archive can keep it and read it decades on.
 */
export function renderStatementPdf(content: StatementContent): Promise<Buffer> {
  const doc = new PDFDocument({
    subset: 'PDF/A-3b',
    pdfVersion: '1.7',
    lang: 'en-US',
    size: 'LETTER',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: content.title,
      Subject: content.subject,
      Author: 'Disposition',
      Producer: 'Disposition',
      Creator: 'Disposition',
      CreationDate: content.issuedAt,
      ModDate: content.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const text = new PdfText(doc);
  const bottom = doc.page.height - MARGIN;
  const block = (value: string, x: number, w: number, style: TextStyle) =>
    text.block(value, x, w, style, bottom, MARGIN);

  doc.y = MARGIN;
  const qrSide = content.verifyUrl ? 72 : 0;
  const headWidth = width - (qrSide ? qrSide + 16 : 0);
  block(content.title, MARGIN, headWidth, { size: 17, weight: 'bold' });
  doc.y += 4;
  block(
    content.idLine ?? `Statement ${content.statementId} · issued ${readableMoment(content.issuedAt.getTime())}`,
    MARGIN,
    headWidth,
    { size: 10, color: '#333333' },
  );
  if (content.verifyUrl) {
    drawQr(doc, content.verifyUrl, MARGIN + width - qrSide, MARGIN, qrSide);
    text.line(
      'Scan to verify',
      MARGIN + width - qrSide + (qrSide - text.width('Scan to verify', { size: 7 })) / 2,
      MARGIN + qrSide + 2,
      { size: 7, color: '#555555' },
    );
    doc.y = Math.max(doc.y, MARGIN + qrSide + 14);
  }
  doc.y += 10;

  for (const section of content.sections) {
    if (doc.y > bottom - 80) {
      doc.addPage();
      doc.y = MARGIN;
    }
    block(section.heading, MARGIN, width, { size: 12, weight: 'bold' });
    doc.y += 4;
    for (const paragraph of section.paragraphs ?? []) {
      block(paragraph, MARGIN, width, BODY);
      doc.y += 5;
    }
    for (const [label, value] of section.rows ?? []) {
      const labels = text.wrap(label, 150, { ...BODY, weight: 'bold' });
      const values = text.wrap(value, width - 155, BODY);
      const lineHeight = BODY.size * 1.3;
      if (doc.y + lineHeight * Math.max(labels.length, values.length) > bottom) {
        doc.addPage();
        doc.y = MARGIN;
      }
      const y = doc.y;
      labels.forEach((line, i) => text.line(line, MARGIN, y + i * lineHeight, { ...BODY, weight: 'bold' }));
      values.forEach((line, i) => text.line(line, MARGIN + 155, y + i * lineHeight, BODY));
      doc.y = y + lineHeight * Math.max(labels.length, values.length) + 2;
    }
    if (section.table) drawTable(doc, text, section.table);
    doc.y += 10;
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    const footer = text.fit(`${content.footer} · page ${i + 1} of ${range.count}`, width, FOOTER);
    text.line(footer, MARGIN + (width - text.width(footer, FOOTER)) / 2, doc.page.height - 36, FOOTER);
  }
  for (const file of content.attachments ?? []) {
    // `Data`: the file is the statement's content in another form (PDF/A-3's AFRelationship), dated with it.
    // (pdfkit reads `relationship`; its type declarations do not name it yet.)
    const options: PDFKit.Mixins.PDFAttachmentOptions & { relationship: string } = {
      name: file.name,
      type: file.type,
      description: file.description,
      relationship: 'Data',
      creationDate: content.issuedAt,
      modifiedDate: content.issuedAt,
    };
    doc.file(Buffer.from(file.content, 'utf8'), options);
  }
  if (content.signature) reserveSignature(doc, content.signature);
  doc.end();
  return done;
}

/** A QR code of `url`, `side` points square, its quiet zone inside the square; dark modules drawn as one path. */
function drawQr(doc: PDFKit.PDFDocument, url: string, x: number, y: number, side: number): void {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const cell = side / (modules.size + 2); // one module of quiet zone each side (readers cope; the page margin adds more)
  for (let row = 0; row < modules.size; row += 1) {
    for (let col = 0; col < modules.size; col += 1) {
      if (modules.get(row, col)) doc.rect(x + (col + 1) * cell, y + (row + 1) * cell, cell, cell);
    }
  }
  doc.fillColor('black').fill();
}

/** The appendix's tables: small, and still 7 pt, which prints legibly. */
const COMPACT_SIZE = 7;

/**
 * Thousands of rows: fixed-width cells in DejaVu Sans Mono (embedded, as PDF/A requires of every font) on one
 * line each. pdfkit measures and kerns every glyph of every text call (about 0.1 ms a row); plain ASCII rows are
 * written as text operators directly instead (glyphs encoded once each, `PdfText.monoString`), under the column
 * header that pdfkit draws on each page (which also puts the font on the page).
 */
function drawCompactTable(doc: PDFKit.PDFDocument, text: PdfText, table: NonNullable<StatementSection['table']>): void {
  const charWidth = COMPACT_SIZE * monoAdvance();
  const charsOf = (width: number): number => Math.floor((width - 4) / charWidth);
  const fit = (cell: string, width: number): string => {
    const chars = charsOf(width);
    return cell.length > chars ? `${cell.slice(0, Math.max(chars - 1, 1))}~` : cell.padEnd(chars);
  };
  const line = (cells: string[]): string => cells.map((cell, i) => fit(cell, table.widths[i]!)).join(' ');
  /** A row as the lines it takes: each cell cut into pieces its column holds, the pieces side by side. */
  const wrapped = (row: string[]): string[][] => {
    const pieces = row.map((cell, i) => cell.match(new RegExp(`.{1,${charsOf(table.widths[i]!)}}`, 'g')) ?? ['']);
    const count = Math.max(...pieces.map((p) => p.length));
    return Array.from({ length: count }, (_, k) => pieces.map((p) => p[k] ?? ''));
  };
  const lineHeight = COMPACT_SIZE * 1.25;
  const header = line(table.columns);
  let fontId = '';
  const startPage = (y: number): number => {
    fontId = text.mono(COMPACT_SIZE);
    doc.text(header, MARGIN, y, { lineBreak: false, underline: true });
    return y + lineHeight * 1.3;
  };
  let y = startPage(doc.y);
  const bottom = doc.page.height - MARGIN - lineHeight;
  let operators: string[] = [];
  const flush = (): void => {
    if (operators.length) doc.addContent(`BT /${fontId} ${COMPACT_SIZE} Tf\n${operators.join('\n')}\nET`);
    operators = [];
  };
  const newPageIfFull = (): void => {
    if (y <= bottom) return;
    flush();
    doc.addPage();
    y = startPage(MARGIN);
  };
  for (const row of table.rows) {
    newPageIfFull();
    if (/^[\x20-\x7e]*$/.test(row.join(''))) {
      // A cell longer than its column (a long file name) goes on under itself, on as many lines as it takes: the
      // statement names every file whole.
      for (const cells of wrapped(row)) {
        newPageIfFull();
        // pdfkit's page is flipped (y grows downwards): flip the text matrix back; the baseline sits ~0.8 em down.
        const ascii = line(cells);
        operators.push(`1 0 0 -1 ${MARGIN} ${(y + COMPACT_SIZE * 0.8).toFixed(2)} Tm ${text.monoString(ascii)} Tj`);
        y += lineHeight;
      }
      continue;
    }
    // A name in another script: each cell in the embedded fonts, at its column.
    flush();
    let x = MARGIN;
    row.forEach((cell, i) => {
      // Hashes and sizes stay in the monospaced face, whole, as on every other row.
      if (/^[\x20-\x7e]*$/.test(cell)) {
        text.mono(COMPACT_SIZE);
        doc.text(fit(cell, table.widths[i]!).trimEnd(), x, y, { lineBreak: false });
      } else text.line(text.fit(cell, table.widths[i]! - 4, { size: COMPACT_SIZE }), x, y, { size: COMPACT_SIZE });
      x += (charsOf(table.widths[i]!) + 1) * charWidth; // where `line` starts the next cell
    });
    text.mono(COMPACT_SIZE);
    y += lineHeight;
  }
  flush();
  doc.x = MARGIN;
  doc.y = y;
}

function drawTable(doc: PDFKit.PDFDocument, text: PdfText, table: NonNullable<StatementSection['table']>): void {
  if (table.compact) return drawCompactTable(doc, text, table);
  const style: TextStyle = { size: 8.5 };
  const lineHeight = style.size * 1.3;
  const drawRow = (cells: string[], bold: boolean): void => {
    const cellStyle = { ...style, weight: bold ? ('bold' as const) : ('regular' as const) };
    const lines = cells.map((cell, index) => text.wrap(cell, table.widths[index]! - 6, cellStyle));
    const height = lineHeight * Math.max(1, ...lines.map((l) => l.length));
    if (doc.y + height > doc.page.height - MARGIN) {
      doc.addPage();
      doc.y = MARGIN;
    }
    const y = doc.y;
    let x = MARGIN;
    lines.forEach((cellLines, index) => {
      cellLines.forEach((line, i) => text.line(line, x, y + i * lineHeight, cellStyle));
      x += table.widths[index]!;
    });
    doc.x = MARGIN;
    doc.y = y + height + 2;
  };
  drawRow(table.columns, true);
  for (const row of table.rows) drawRow(row, false);
}
