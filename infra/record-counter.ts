// Counts records while a file streams past (DESIGN.md "Files and the return package"):
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

  update(chunk: Uint8Array): void {
    const csv = this.format === 'csv';
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (csv && byte === QUOTE) {
        this.inQuotes = !this.inQuotes; // an escaped "" toggles twice
        this.lineHasContent = true;
      } else if (byte === LF && !this.inQuotes) {
        if (this.lineHasContent) this.rows += 1;
        this.lineHasContent = false;
      } else if (byte !== CR && byte !== SPACE && byte !== TAB) {
        this.lineHasContent = true;
      }
    }
  }

  /** Records in what was seen, counting a last line without a newline. */
  result(): number {
    const lines = this.rows + (this.lineHasContent ? 1 : 0);
    return this.format === 'csv' ? Math.max(lines - 1, 0) : lines;
  }
}
