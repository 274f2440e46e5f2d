// Writes a ZIP to a stream in one pass, entry after entry, and hashes what it writes. Each entry costs one
// central directory header, kept packed in pages, so memory does not grow with the files' sizes.
import crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import { centralHeader, dataDescriptor, endRecords, localHeader, ZIP64_MARK, type EntryName } from './zip-records';

export interface EntryHead extends EntryName {
  method: number;
  mtime: number;
}

export interface EntrySizes {
  crc32: number;
  size: number;
}

/** Appends small records into 64 KiB pages: tens of thousands of entries without a Buffer each. */
class PackedRecords {
  private readonly pages: Buffer[] = [];
  private page = Buffer.allocUnsafe(0);
  private used = 0;
  bytes = 0;

  append(record: Buffer): void {
    if (this.used + record.length > this.page.length) {
      this.seal();
      this.page = Buffer.allocUnsafe(Math.max(64 * 1024, record.length));
      this.used = 0;
    }
    record.copy(this.page, this.used);
    this.used += record.length;
    this.bytes += record.length;
  }

  drain(): Buffer[] {
    this.seal();
    this.page = Buffer.allocUnsafe(0);
    return this.pages.splice(0);
  }

  private seal(): void {
    if (this.used > 0) this.pages.push(this.page.subarray(0, this.used));
    this.used = 0;
  }
}

export class ZipWriter {
  private readonly hash = crypto.createHash('sha256');
  private readonly directory = new PackedRecords();
  private offset = 0;
  private entries = 0;
  private failure: Error | undefined;
  private open: { head: EntryHead; zip64: boolean; offset: number; dataStart: number } | undefined;

  constructor(private readonly sink: Writable) {
    sink.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  get bytesWritten(): number {
    return this.offset;
  }

  /** An entry whose bytes are all at hand: its sizes go in the local header, no data descriptor. */
  async addEntry(head: EntryHead, sizes: EntrySizes, data: Buffer[]): Promise<void> {
    const compressedSize = data.reduce((sum, part) => sum + part.length, 0);
    const known = { ...sizes, compressedSize };
    const offset = this.offset;
    await this.write([localHeader({ ...head, sizes: known, zip64: false }), ...data]);
    this.directory.append(centralHeader({ ...head, sizes: known, zip64: false, offset, descriptor: false }));
    this.entries += 1;
  }

  /** Starts an entry whose data is streamed; `zip64` when its sizes may pass 4 GiB. */
  async beginEntry(head: EntryHead, zip64: boolean): Promise<void> {
    if (this.open) throw new Error('an entry is already open');
    const offset = this.offset;
    await this.write([localHeader({ ...head, zip64 })]);
    this.open = { head, zip64, offset, dataStart: this.offset };
  }

  async writeEntryData(parts: Buffer[]): Promise<void> {
    if (!this.open) throw new Error('no entry is open');
    await this.write(parts);
  }

  async endEntry(sizes: EntrySizes): Promise<void> {
    const open = this.open;
    if (!open) throw new Error('no entry is open');
    const known = { ...sizes, compressedSize: this.offset - open.dataStart };
    if (!open.zip64 && (known.size >= ZIP64_MARK || known.compressedSize >= ZIP64_MARK)) {
      // Its local header promised 4-byte sizes; the caller decides ZIP64 from the declared size.
      throw new RangeError(`${open.head.name.toString()} passed 4 GiB though it was declared smaller`);
    }
    await this.write([dataDescriptor(known, open.zip64)]);
    this.directory.append(
      centralHeader({ ...open.head, sizes: known, zip64: open.zip64, offset: open.offset, descriptor: true }),
    );
    this.entries += 1;
    this.open = undefined;
  }

  /** Writes the central directory and the end records, ends the sink and waits until it has taken everything. */
  async finish(): Promise<{ sha256: string; bytes: number }> {
    if (this.open) throw new Error('an entry is still open');
    const offset = this.offset;
    const size = this.directory.bytes;
    await this.write([...this.directory.drain(), endRecords({ entries: this.entries, offset, size })]);
    await this.settle('end');
    return { sha256: this.hash.digest('hex'), bytes: this.offset };
  }

  private async write(parts: Buffer[]): Promise<void> {
    let ready = true;
    for (const part of parts) {
      if (part.length === 0) continue;
      this.check();
      this.hash.update(part);
      this.offset += part.length;
      ready = this.sink.write(part);
    }
    if (!ready) await this.settle('drain');
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.sink.destroyed) throw new Error('the package output was closed before the package was complete');
  }

  /** Waits for the sink to drain, or to finish after `end()`, failing instead of hanging when it errs or closes. */
  private settle(kind: 'drain' | 'end'): Promise<void> {
    this.check();
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err?: Error | null): void => {
        if (settled) return;
        settled = true;
        this.sink.off('error', done);
        this.sink.off('close', closed);
        this.sink.off('drain', drained);
        if (err) reject(err);
        else resolve();
      };
      const closed = (): void =>
        done(this.failure ?? new Error('the package output was closed before the package was complete'));
      const drained = (): void => done();
      this.sink.on('error', done);
      this.sink.on('close', closed);
      if (kind === 'drain') this.sink.on('drain', drained);
      else this.sink.end(done);
    });
  }
}
