// Renders the final statement (DESIGN.md "The statement"). Gathering the facts is the activity's job; this
// only draws them. Every date comes from the case, so the same case renders the same bytes.
import PDFDocument from 'pdfkit';

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
}

const MARGIN = 56;

export function renderStatementPdf(content: StatementContent): Promise<Buffer> {
  const doc = new PDFDocument({
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

  doc.font('Helvetica-Bold').fontSize(17).text(content.title, { align: 'left' });
  doc.moveDown(0.3);
  doc.font('Helvetica').fontSize(10).fillColor('#333333').text(`Statement ${content.statementId} · issued ${content.issuedAt.toISOString()}`);
  doc.fillColor('black').moveDown(0.8);

  for (const section of content.sections) {
    if (doc.y > doc.page.height - MARGIN - 80) doc.addPage();
    doc.font('Helvetica-Bold').fontSize(12).text(section.heading);
    doc.moveDown(0.3);
    doc.font('Helvetica').fontSize(9.5);
    for (const paragraph of section.paragraphs ?? []) {
      doc.text(paragraph, { width });
      doc.moveDown(0.4);
    }
    for (const [label, value] of section.rows ?? []) {
      const y = doc.y;
      doc.font('Helvetica-Bold').text(label, MARGIN, y, { width: 150 });
      const labelBottom = doc.y;
      doc.font('Helvetica').text(value, MARGIN + 155, y, { width: width - 155 });
      doc.y = Math.max(doc.y, labelBottom);
      doc.x = MARGIN;
      doc.moveDown(0.15);
    }
    if (section.table) drawTable(doc, section.table);
    doc.moveDown(0.8);
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(7.5).fillColor('#555555')
      .text(`${content.footer} · page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - 36, { width, align: 'center' });
    doc.page.margins.bottom = bottom;
    doc.fillColor('black');
  }
  doc.end();
  return done;
}

const COMPACT_SIZE = 6;
const COURIER_ADVANCE = 0.6; // Courier's glyphs are all 600/1000 em wide

/** PDF string literal of plain ASCII text. */
const pdfString = (text: string): string => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/**
 * Thousands of rows: fixed-width Courier cells on one line each. pdfkit measures and kerns every glyph of
 * every text call (about 0.1 ms a row); plain ASCII rows are written as text operators directly instead,
 * under the column header that pdfkit draws on each page (which also puts the font on the page).
 */
function drawCompactTable(doc: PDFKit.PDFDocument, table: NonNullable<StatementSection['table']>): void {
  const charWidth = COMPACT_SIZE * COURIER_ADVANCE;
  const fit = (cell: string, width: number): string => {
    const chars = Math.floor((width - 4) / charWidth);
    return cell.length > chars ? `${cell.slice(0, Math.max(chars - 1, 1))}~` : cell.padEnd(chars);
  };
  const line = (cells: string[]): string => cells.map((cell, i) => fit(cell, table.widths[i]!)).join(' ');
  const lineHeight = COMPACT_SIZE * 1.25;
  const header = line(table.columns);
  const startPage = (y: number): number => {
    doc.font('Courier').fontSize(COMPACT_SIZE);
    doc.text(header, MARGIN, y, { lineBreak: false, underline: true });
    return y + lineHeight * 1.3;
  };
  let y = startPage(doc.y);
  const fontId = (doc as unknown as { _font: { id: string } })._font.id;
  const bottom = doc.page.height - MARGIN - lineHeight;
  let operators: string[] = [];
  const flush = (): void => {
    if (operators.length) doc.addContent(`BT /${fontId} ${COMPACT_SIZE} Tf\n${operators.join('\n')}\nET`);
    operators = [];
  };
  for (const row of table.rows) {
    if (y > bottom) {
      flush();
      doc.addPage();
      y = startPage(MARGIN);
    }
    const text = line(row);
    // pdfkit's page is flipped (y grows downwards): flip the text matrix back; the baseline sits ~0.8 em down.
    if (/^[\x20-\x7e]*$/.test(text)) operators.push(`1 0 0 -1 ${MARGIN} ${(y + COMPACT_SIZE * 0.8).toFixed(2)} Tm ${pdfString(text)} Tj`);
    else {
      flush();
      doc.font('Courier').fontSize(COMPACT_SIZE).text(text, MARGIN, y, { lineBreak: false });
    }
    y += lineHeight;
  }
  flush();
  doc.x = MARGIN;
  doc.y = y;
}

function drawTable(doc: PDFKit.PDFDocument, table: NonNullable<StatementSection['table']>): void {
  if (table.compact) return drawCompactTable(doc, table);
  const drawRow = (cells: string[], bold: boolean): void => {
    if (doc.y > doc.page.height - MARGIN - 30) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    let bottom = y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8.5);
    cells.forEach((cell, index) => {
      doc.text(cell, x, y, { width: table.widths[index]! - 6 });
      bottom = Math.max(bottom, doc.y);
      x += table.widths[index]!;
    });
    doc.x = MARGIN;
    doc.y = bottom + 2;
  };
  drawRow(table.columns, true);
  for (const row of table.rows) drawRow(row, false);
}
