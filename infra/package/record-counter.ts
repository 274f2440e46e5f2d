// Counts records while a file streams past (docs/architecture.md, "Files and the return package"):
// data rows of a CSV (the header row not counted; quoted newlines stay inside their row),
// non-empty lines of JSON Lines (.jsonl, .ndjson). Other files have no record count.

export type RecordFormat = 'csv' | 'jsonl';

export function recordFormatOf(name: string): RecordFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

export class RecordCounter {
  private rows = 0;
  private inQuotes = false;
  private lineHasContent = false;

  constructor(private readonly format: RecordFormat) {}

  /**
   * Jumps from one quote or line feed to the next (memchr, through Buffer.indexOf) instead of looking at
   * every byte: this runs on every CSV byte of a return package, on the thread that also writes the ZIP.
   */
  update(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = bytes.length;
    const csv = this.format === 'csv';
    let nextLf = -1;
    let nextQuote = csv ? -1 : n;
    let i = 0;
    while (i < n) {
      if (nextQuote !== n && nextQuote < i) {
        nextQuote = bytes.indexOf(QUOTE, i);
        if (nextQuote === -1) nextQuote = n;
      }
      if (this.inQuotes) {
        // Inside quotes only the closing quote matters (an escaped "" closes and opens again).
        if (nextQuote === n) return;
        this.inQuotes = false;
        i = nextQuote + 1;
        continue;
      }
      if (!this.lineHasContent) {
        let b = bytes[i]!;
        while (b === SPACE || b === TAB || b === CR) {
          i += 1;
          if (i === n) return;
          b = bytes[i]!;
        }
        if (b === LF) {
          i += 1;
          continue;
        }
        this.lineHasContent = true;
      }
      if (nextLf !== n && nextLf < i) {
        nextLf = bytes.indexOf(LF, i);
        if (nextLf === -1) nextLf = n;
      }
      if (nextQuote < nextLf) {
        this.inQuotes = true;
        i = nextQuote + 1;
      } else if (nextLf < n) {
        this.rows += 1;
        this.lineHasContent = false;
        i = nextLf + 1;
      } else {
        return;
      }
    }
  }

  /** Records in what was seen, counting a last line without a newline. */
  result(): number {
    const lines = this.rows + (this.lineHasContent ? 1 : 0);
    return this.format === 'csv' ? Math.max(lines - 1, 0) : lines;
  }
}
