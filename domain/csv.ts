// The one CSV reader of the files districts send whole (a bulk start file, a roster): RFC 4180 records, each with
// the line it starts on, so every refusal can name its line. And the one writer of the CSVs Disposition hands out
// (an export of cases, the roster's missing students). Returned data is not read here: it streams past the
// package's counters (infra/package/record-counter.ts) and is never held whole.
import { DispositionError } from './errors';

export class CsvUnclosedQuoteError extends Error {
  override name = 'CsvUnclosedQuoteError';
  constructor(readonly line: number) {
    super(`line ${line}: a quoted cell is not closed`);
  }
}

/**
 * RFC 4180 records with the line each starts on; quoted cells may hold commas, quotes and line breaks. A cell
 * without quotes is one slice of the text, not built a character at a time (a roster runs to 100,000 rows).
 */
export function csvRecords(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  const endRecord = (): void => {
    if (cells.length > 1 || cells[0] !== '') records.push({ line: start, cells });
    cells = [];
  };
  while (i <= n) {
    // One cell from i: quoted, or up to the next comma or line end.
    let cell: string;
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) throw new CsvUnclosedQuoteError(start);
        value += text.slice(from, quote);
        if (text.charCodeAt(quote + 1) === 0x22) {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      for (let k = value.indexOf('\n'); k !== -1; k = value.indexOf('\n', k + 1)) line += 1;
      // Anything between the closing quote and the next separator belongs to the cell, as written.
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end += 1;
      cell = value + text.slice(i, end);
      i = end;
    } else {
      let end = i;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === 0x2c || c === 0x0a || c === 0x0d) break;
        end += 1;
      }
      cell = text.slice(i, end);
      i = end;
    }
    cells.push(cell);
    if (i >= n) {
      endRecord();
      break;
    }
    const sep = text.charCodeAt(i);
    if (sep === 0x2c) {
      i += 1;
      if (i === n) {
        cells.push('');
        endRecord();
        break;
      }
      continue;
    }
    // A line end: \r\n, \n or \r.
    i += sep === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    endRecord();
    line += 1;
    start = line;
    if (i === n) break;
  }
  return records;
}

/** A file's bytes as text: strict UTF-8 (a spreadsheet saved in another encoding is refused, not misread). */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DispositionError('invalid_payload', 'the file is not UTF-8 text; save it as "CSV UTF-8" and try again', [
      { field: 'file', message: 'not UTF-8' },
    ]);
  }
}

// Writing: CSV as spreadsheets read it (RFC 4180), with formula-looking cells defused so an export cannot run code.
const cell = (value: unknown): string => {
  let text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? JSON.stringify(value)
          : `${value as number | boolean | bigint}`;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
