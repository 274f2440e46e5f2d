// Reads one file of the return package ahead of the ZIP writer: hashes it, counts its records, takes its
// CRC-32 and hands its blocks to the compressor as they fill, so that several files are read and both
// cores compress while the writer is still on an earlier file. What is read but not yet written is
// bounded per file and across files, so the buffers stay the same size whatever the files' sizes and count.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  Block,
  BLOCK_SIZE,
  encodeStreamBlock,
  encodeWholeEntry,
  type BlockCompressor,
  type EncodedBlock,
} from './block-compressor';
import { RecordCounter, recordFormatOf } from './record-counter';
import { METHOD_DEFLATED, METHOD_STORED } from './zip-records';

const EMPTY = Buffer.alloc(0);

/** Blocks of one file read but not yet written. */
const BLOCKS_PER_FILE = 4;

export interface EntryBlock {
  encoded: Promise<EncodedBlock>;
  bytes: number;
  last: boolean;
}

export interface EntryDigest {
  sha256: string;
  crc32: number;
  bytes: number;
  records?: number;
}

/** What all readers share: the compressor, the bytes read ahead of the writer, and progress. */
export class ReadAhead {
  private held = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly compressor: BlockCompressor,
    private readonly limit: number,
    readonly onBytes: (n: number) => void,
  ) {}

  get full(): boolean {
    return this.held >= this.limit;
  }

  hold(n: number): void {
    this.held += n;
  }

  release(n: number): void {
    this.held -= n;
    for (const wake of [...this.waiting]) wake();
  }

  /** Resolves at the next release (or `stop`): the caller checks its condition again. */
  nextRelease(): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiting.delete(wake);
        resolve();
      };
      this.waiting.add(wake);
    });
  }
}

/** Something fed every byte of one file, in order, then told it ended; a promise from `update` says "wait". */
export interface FileScanner {
  update(chunk: Uint8Array): void | Promise<void>;
  end(): void;
}

export class EntryReader {
  /** The method of a file longer than one block, decided by its name before its first byte is written. */
  readonly method: number;
  readonly digest: Promise<EntryDigest>;
  private readonly blocks: EntryBlock[] = [];
  private taker: { resolve: (block: EntryBlock) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private unwritten = 0;
  private leading = false;
  private source: Readable | undefined;
  private stopped = false;

  constructor(
    private readonly index: number,
    private readonly name: string,
    open: () => Readable,
    storedByName: boolean,
    private readonly share: ReadAhead,
    private readonly countsProgress = true,
    /** Reads the values of the file as they go by (the roster's match), in the same pass as the record count. */
    private readonly scanner?: FileScanner,
  ) {
    this.method = storedByName ? METHOD_STORED : METHOD_DEFLATED;
    this.digest = this.read(open);
    this.digest.catch(() => undefined); // the writer awaits it; a failure also reaches it through next()
  }

  /** The writer is on this file now: it reads on whatever the files behind it hold. */
  lead(): void {
    this.leading = true;
    this.share.release(0);
  }

  /** The next block, in order; the last one has `last` set. */
  next(): Promise<EntryBlock> {
    const block = this.blocks.shift();
    if (block) return Promise.resolve(block);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.taker = { resolve, reject };
    });
  }

  /** The writer wrote `block`: its memory may be read again. */
  written(block: EntryBlock): void {
    this.unwritten -= 1;
    this.share.release(block.bytes);
  }

  stop(): void {
    this.stopped = true;
    this.source?.destroy();
    this.share.release(0);
  }

  private async read(open: () => Readable): Promise<EntryDigest> {
    // Most files of a return arrive in one chunk: they are hashed in one call, without a Hash object.
    let hash: crypto.Hash | undefined;
    let firstChunk: Buffer | undefined;
    const format = recordFormatOf(this.name);
    const counter = format ? new RecordCounter(format) : undefined;
    let crc32 = 0;
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let window: Buffer | undefined;
    let blockIndex = 0;

    const emit = (last: boolean): void => {
      const rank = { entry: this.index, block: blockIndex };
      let encoded: Promise<EncodedBlock>;
      if (this.method === METHOD_STORED) {
        encoded = Promise.resolve({ method: METHOD_STORED, parts: pending });
      } else {
        const data = new Block(pending);
        encoded =
          last && blockIndex === 0
            ? encodeWholeEntry(this.share.compressor, data, rank)
            : encodeStreamBlock(this.share.compressor, data, last, rank, window).then((parts) => ({
                method: METHOD_DEFLATED,
                parts,
              }));
        encoded.catch(() => undefined); // awaited by the writer in turn
        window = last ? undefined : data.window();
      }
      const block = { encoded, bytes: pendingBytes, last };
      this.share.hold(pendingBytes);
      this.unwritten += 1;
      pending = [];
      pendingBytes = 0;
      blockIndex += 1;
      if (this.taker) {
        const { resolve } = this.taker;
        this.taker = undefined;
        resolve(block);
      } else {
        this.blocks.push(block);
      }
    };

    try {
      this.source = open();
      for await (const data of this.source) {
        if (this.stopped) break;
        let chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
        if (hash) {
          hash.update(chunk);
        } else if (firstChunk) {
          hash = crypto.createHash('sha256').update(firstChunk).update(chunk);
          firstChunk = undefined;
        } else {
          firstChunk = chunk;
        }
        crc32 = zlib.crc32(chunk, crc32);
        counter?.update(chunk);
        const scanning = this.scanner?.update(chunk);
        if (scanning) await scanning;
        bytes += chunk.length;
        if (this.countsProgress) this.share.onBytes(chunk.length);
        // A block goes out only once a byte after it arrived: only the end of the file knows the last one.
        while (pendingBytes + chunk.length > BLOCK_SIZE) {
          const take = BLOCK_SIZE - pendingBytes;
          if (take > 0) pending.push(chunk.subarray(0, take));
          pendingBytes += take;
          chunk = chunk.subarray(take);
          emit(false);
          while (!this.stopped && (this.unwritten >= BLOCKS_PER_FILE || (!this.leading && this.share.full))) {
            await this.share.nextRelease();
          }
        }
        if (chunk.length > 0) {
          pending.push(chunk);
          pendingBytes += chunk.length;
        }
      }
      if (this.stopped) throw new Error('packaging stopped');
      this.scanner?.end();
      emit(true);
      const sha256 = hash ? hash.digest('hex') : crypto.hash('sha256', firstChunk ?? EMPTY, 'hex');
      return { sha256, crc32, bytes, ...(counter ? { records: counter.result() } : {}) };
    } catch (err) {
      this.failure = err as Error;
      this.taker?.reject(this.failure);
      this.taker = undefined;
      throw err;
    }
  }
}
