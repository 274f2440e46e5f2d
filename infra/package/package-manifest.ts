// manifest.json of the return package (7400.1 III.A): every file's path, id, category, bytes, SHA-256 and
// record count. Its text is a contract (`JSON.stringify(manifest, null, 2)`); how packaging holds it until
// the end is not: per file it keeps numbers and 32 digest bytes, off the V8 heap, since objects and hex
// strings for 100,000 files would be tens of MiB of heap, which V8 then sizes at about twice that.

export interface ManifestFile {
  path: string;
  fileId: string;
  category: string;
  bytes: number;
  sha256: string;
  records?: number;
}

export const MANIFEST_FORMAT = 'disposition-return-package/1';

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  caseId?: string;
  round?: number;
  files: ManifestFile[];
}

const DIGEST_BYTES = 32;

/** What reading found in each file, in ZIP order: its size, SHA-256 and record count when it has one. */
export class ManifestRows {
  private readonly digests: Buffer;
  private readonly sizes: Float64Array;
  /** NaN where the file's format has no records to count (a count may pass 2^32: doubles). */
  private readonly records: Float64Array;
  private added = 0;

  constructor(readonly capacity: number) {
    this.digests = Buffer.alloc(capacity * DIGEST_BYTES);
    this.sizes = new Float64Array(capacity);
    this.records = new Float64Array(capacity);
  }

  get length(): number {
    return this.added;
  }

  add(found: { bytes: number; sha256: string; records?: number }): void {
    if (this.added >= this.capacity) throw new RangeError('more files than the package was built for');
    const at = this.added;
    if (this.digests.write(found.sha256, at * DIGEST_BYTES, DIGEST_BYTES, 'hex') !== DIGEST_BYTES) {
      throw new TypeError(`not a SHA-256: ${found.sha256}`);
    }
    this.sizes[at] = found.bytes;
    this.records[at] = found.records ?? Number.NaN;
    this.added += 1;
  }

  bytes(k: number): number {
    return this.sizes[k]!;
  }

  sha256(k: number): string {
    return this.digests.toString('hex', k * DIGEST_BYTES, (k + 1) * DIGEST_BYTES);
  }

  recordsOf(k: number): number | undefined {
    const records = this.records[k]!;
    return Number.isNaN(records) ? undefined : records;
  }
}

/**
 * `JSON.stringify({ ...head, files }, null, 2) + "\n"`, byte for byte, in pieces of about 64 KiB, the files
 * made one at a time as the text needs them (`fileAt(k)` for k in ZIP order): the text of a manifest of
 * 100,000 files is tens of MiB, which need not be in memory at once.
 */
export function* manifestChunks(
  head: Omit<Manifest, 'files'>,
  count: number,
  fileAt: (k: number) => ManifestFile,
): Generator<Buffer> {
  const opening = JSON.stringify({ ...head, files: [] }, null, 2);
  if (count === 0) {
    yield Buffer.from(`${opening}\n`);
    return;
  }
  // "files" is the last key, so the text ends with its empty array: `[]\n}`.
  let text = `${opening.slice(0, -'[]\n}'.length)}[\n`;
  for (let k = 0; k < count; k += 1) {
    text += `${fileText(fileAt(k))}${k < count - 1 ? ',' : ''}\n`;
    if (text.length >= 64 * 1024) {
      yield Buffer.from(text);
      text = '';
    }
  }
  yield Buffer.from(`${text}  ]\n}\n`);
}

/** One file of the manifest as JSON.stringify(manifest, null, 2) indents it, without the intermediate strings. */
function fileText(file: ManifestFile): string {
  let text = '    {';
  let first = true;
  for (const [key, value] of Object.entries(file)) {
    if (value === undefined) continue; // as JSON.stringify leaves it out
    text += `${first ? '' : ','}\n      ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    first = false;
  }
  return first ? '    {}' : `${text}\n    }`;
}
