// The roster's match (roster-matcher.ts) on a thread of its own. Packaging reads, hashes and counts every byte on
// the main thread, which is the busy one, while the compressor's threads leave part of the other core idle
// (bench:roster): scanning there, at a lower priority, keeps the match from adding its time to the package's.
//
// The two threads share a ring of RING bytes, the start of the match kernel's shared WebAssembly memory
// (roster-scan.ts): the main thread copies each chunk of a scanned file into it as a record (which file, how long,
// then the bytes), and the match thread scans the records in place, in order, and frees their room. No message, no
// allocation and no garbage per chunk: two numbers in shared memory say how far each side is, and each side sleeps
// on the other's number (Atomics). When the ring is full, the file's reader waits, so a slow match holds the
// reading back instead of filling memory.
import fs from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FileScanner } from './package-entry-reader';
import { RosterKeys, RosterMatch, scannedFormatOf, type ScannedFormat, type ValueScanner } from './roster-matcher';
import { sharedKernelMemory, type KernelMemory } from './roster-scan';

const SELF = __filename;
const MARKER = 'disposition-roster-match';

/** Bytes of the ring: the most the match may be behind the reading. */
const RING = 32 * 1024 * 1024;
/** A record's head: four 32-bit numbers (kind, file, length of the bytes after it, format); records align to it. */
const HEAD = 16;
/** A chunk is not cut into a piece shorter than this unless it is the chunk's end or the ring's. */
const SHORTEST_PIECE = 64 * 1024;

// The control numbers, in an Int32Array of their own. WRITTEN and READ run from 0 to 2 * RING - 1 and wrap, so that
// a full ring (WRITTEN - READ = RING) and an empty one (WRITTEN = READ) differ.
const WRITTEN = 0;
const READ = 1;
const STOP = 2;

const OPEN = 1;
const CHUNK = 2;
const END = 3;
const FINISH = 4;
/** The ring's end left too little room for a chunk's head and a byte: skipped to its start. */
const PAD = 5;

const FORMATS: readonly ScannedFormat[] = ['csv', 'jsonl', 'json', 'xml'];

type FromThread = { t: 'done'; returned: number; missing: number[] } | { t: 'failed'; message: string };

export interface RosterMatchResult {
  returned: number;
  missing: number[];
}

interface Record {
  kind: number;
  file: number;
  format?: number;
  bytes?: Uint8Array;
  /** Bytes of `bytes` in the ring already. */
  offset?: number;
  written?: () => void;
}

const aligned = (n: number): number => (n + HEAD - 1) & ~(HEAD - 1);

/** Atomics.waitAsync (Node 16 and later), which TypeScript's ES2022 library does not declare. */
const waitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeout: number,
): { async: boolean; value: unknown } =>
  (
    Atomics as unknown as {
      waitAsync(this: void, a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
    }
  ).waitAsync(array, index, value, timeout);

export class RosterMatchThread {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(3 * 4));
  private readonly memory = sharedKernelMemory(RING);
  private readonly ring = new Uint8Array(this.memory.buffer, 0, RING);
  private readonly heads = new Int32Array(this.memory.buffer, 0, RING / 4);
  private written = 0;
  private nextFile = 0;
  /** Records waiting for room, in order; the first is being written. */
  private readonly queue: Record[] = [];
  private failure?: Error;
  private readonly failed: Promise<void>;
  private onFailure!: () => void;
  private finished?: { resolve: (r: RosterMatchResult) => void; reject: (err: Error) => void };

  /**
   * Starts the thread with the roster's keys as packRosterKeys packed them (copied, then handed over whole).
   * `matched` is called whenever the thread frees room while a reader waits for it: the match is going on, however
   * slowly (at its low priority on a busy machine), so a caller that heartbeats on progress can say so.
   */
  constructor(
    packed: Uint8Array,
    private readonly options: { matched?: () => void } = {},
  ) {
    const keys = new Uint8Array(packed);
    this.failed = new Promise((resolve) => (this.onFailure = resolve));
    // From source, tsx is registered inside the thread; compiled (dist/), the thread runs the JavaScript beside us.
    this.worker = new Worker(`${SELF.endsWith('.ts') ? "require('tsx/cjs'); " : ''}require(${JSON.stringify(SELF)});`, {
      eval: true,
      workerData: { marker: MARKER, keys, control: this.control, memory: this.memory },
      transferList: [keys.buffer],
    });
    this.worker.on('message', (message: FromThread) => {
      if (message.t === 'done') this.finished?.resolve({ returned: message.returned, missing: message.missing });
      else this.fail(new Error(`matching the roster failed: ${message.message}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`the roster's match thread exited with ${code}`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.onFailure();
    this.finished?.reject(this.failure);
  }

  /** A scanner for one returned file, or undefined for a format the match does not read. */
  scannerFor(name: string): FileScanner | undefined {
    const format = scannedFormatOf(name);
    if (!format) return undefined;
    const file = this.nextFile++;
    void this.send({ kind: OPEN, file, format: FORMATS.indexOf(format) });
    return {
      update: (chunk) => {
        if (this.failure) throw this.failure;
        return this.send({ kind: CHUNK, file, bytes: chunk, offset: 0 });
      },
      end: () => void this.send({ kind: END, file }),
    };
  }

  /** Puts the record in the ring now if it has room and nothing waits before it; else a promise of when it is. */
  private send(record: Record): Promise<void> | undefined {
    if (this.queue.length === 0 && this.put(record)) return undefined;
    const written = new Promise<void>((resolve) => (record.written = resolve));
    this.queue.push(record);
    if (this.queue.length === 1) void this.drain();
    return written;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const record = this.queue[0]!;
      while (!this.failure && !this.put(record)) {
        const read = Atomics.load(this.control, READ);
        if (this.free(read) >= this.wanted(record)) continue;
        const waited = waitAsync(this.control, READ, read, 1000);
        if (waited.async) await Promise.race([waited.value as Promise<string>, this.failed]);
        if (Atomics.load(this.control, READ) !== read) this.options.matched?.();
      }
      this.queue.shift();
      record.written?.();
    }
  }

  private free(read: number): number {
    return RING - ((this.written - read + 2 * RING) % (2 * RING));
  }

  /** The room a record needs before any of it is put. */
  private wanted(record: Record): number {
    if (!record.bytes) return HEAD;
    return HEAD + aligned(Math.min(record.bytes.byteLength - record.offset!, SHORTEST_PIECE));
  }

  /** Puts as much of the record as the ring has room for; true when all of it is in. */
  private put(record: Record): boolean {
    if (this.failure) return true; // nothing reads the ring any more; the next update throws
    for (;;) {
      const free = this.free(Atomics.load(this.control, READ));
      const at = this.written % RING;
      const toEnd = RING - at;
      const remaining = record.bytes ? record.bytes.byteLength - record.offset! : 0;
      if (record.bytes && remaining > 0 && toEnd === HEAD) {
        if (free < HEAD) return false;
        this.head(at, PAD, 0, 0, 0);
        this.advance(HEAD);
        continue;
      }
      const room = Math.min(free, toEnd) - HEAD;
      if (room < 0) return false;
      const take = Math.min(remaining, room);
      if (take < remaining && take < SHORTEST_PIECE && toEnd > free) return false; // wait for a worthwhile piece
      if (record.bytes && remaining > 0 && take === 0) return false;
      this.head(at, record.kind, record.file, take, record.format ?? 0);
      if (take > 0) this.ring.set(record.bytes!.subarray(record.offset, record.offset! + take), at + HEAD);
      this.advance(HEAD + aligned(take));
      if (!record.bytes) return true;
      record.offset! += take;
      if (record.offset === record.bytes.byteLength) return true;
    }
  }

  private head(at: number, kind: number, file: number, length: number, format: number): void {
    const h = at / 4;
    this.heads[h] = kind;
    this.heads[h + 1] = file;
    this.heads[h + 2] = length;
    this.heads[h + 3] = format;
  }

  private advance(bytes: number): void {
    this.written = (this.written + bytes) % (2 * RING);
    Atomics.store(this.control, WRITTEN, this.written);
    Atomics.notify(this.control, WRITTEN, 1);
  }

  /** The students seen in every file scanned, once the thread has read all it was sent; the thread then ends. */
  async finish(): Promise<RosterMatchResult> {
    if (this.failure) throw this.failure;
    const result = new Promise<RosterMatchResult>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    await this.send({ kind: FINISH, file: 0 });
    try {
      return await result;
    } finally {
      await this.close();
    }
  }

  /** Ends the thread without a result (packaging failed). */
  async close(): Promise<void> {
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, WRITTEN);
    await this.worker.terminate();
  }
}

/**
 * On Linux a thread has a priority of its own (setpriority with its thread id): the match's is lowered, so that it
 * takes the time the packaging threads leave idle rather than theirs. Elsewhere, or when refused, it stays as it is.
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(/\/task\/(\d+)$/.exec(fs.readlinkSync('/proc/thread-self'))?.[1]);
    if (tid > 0) os.setPriority(tid, Math.max(os.getPriority(tid), 19));
  } catch {
    // not Linux, or not allowed: the thread runs at the process's priority
  }
}

/** The match thread: reads the ring's records until FINISH (or STOP), then answers once. */
function matchFromRing(data: { keys: Uint8Array; control: Int32Array; memory: KernelMemory }): void {
  lowerOwnPriority();
  const port = parentPort!;
  const { control, memory } = data;
  // The kernel grows the memory for its tables, so the views are made after: the chunks are scanned where they lie.
  const match = new RosterMatch(new RosterKeys(data.keys), memory);
  const heads = new Int32Array(memory.buffer, 0, RING / 4);
  const bytes = Buffer.from(memory.buffer, 0, RING);
  const scanners = new Map<number, ValueScanner>();
  let failed = false;
  let read = 0;
  for (;;) {
    let written = Atomics.load(control, WRITTEN);
    while (written === read) {
      if (Atomics.load(control, STOP) === 1) return;
      Atomics.wait(control, WRITTEN, written, 1000);
      written = Atomics.load(control, WRITTEN);
    }
    const at = read % RING;
    const h = at / 4;
    const kind = heads[h]!;
    const file = heads[h + 1]!;
    const length = heads[h + 2]!;
    // Once a scanner failed, the records are still read (and their room freed) so the reader never waits for good.
    if (!failed && kind !== PAD) {
      try {
        if (kind === OPEN) scanners.set(file, match.scannerOf(FORMATS[heads[h + 3]!]!));
        else if (kind === CHUNK) scanners.get(file)?.update(bytes.subarray(at + HEAD, at + HEAD + length));
        else if (kind === END) {
          scanners.get(file)?.end();
          scanners.delete(file);
        }
      } catch (err) {
        failed = true;
        port.postMessage({ t: 'failed', message: (err as Error).message } satisfies FromThread);
      }
    }
    read = (read + HEAD + aligned(length)) % (2 * RING);
    Atomics.store(control, READ, read);
    Atomics.notify(control, READ, 1);
    if (kind === FINISH) {
      if (!failed)
        port.postMessage({ t: 'done', returned: match.returned(), missing: match.missing() } satisfies FromThread);
      return;
    }
  }
}

if (!isMainThread && parentPort && (workerData as { marker?: string } | undefined)?.marker === MARKER) {
  matchFromRing(workerData as { keys: Uint8Array; control: Int32Array; memory: KernelMemory });
}
