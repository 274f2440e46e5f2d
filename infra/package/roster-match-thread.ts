// The roster's match (roster-matcher.ts) on a thread of its own. Packaging reads, hashes and counts every byte on
// the main thread, which is the busy one, while the compressor's threads leave part of the other core idle
// (bench:roster): scanning there instead of beside the counter keeps the match from adding its time to the
// package's. Each file's chunks are copied to the thread in order; a file's reader waits when the thread is more
// than IN_FLIGHT bytes behind, so a slow match holds the reading back instead of filling memory.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FileScanner } from './package-entry-reader';
import { RosterKeys, RosterMatch, scannedFormatOf, type ValueScanner } from './roster-matcher';

const SELF = __filename;
const MARKER = 'disposition-roster-match';
const IN_FLIGHT = 8 * 1024 * 1024;

type ToThread =
  | { t: 'open'; file: number; name: string }
  | { t: 'chunk'; file: number; bytes: Uint8Array }
  | { t: 'end'; file: number }
  | { t: 'finish' };
type FromThread =
  | { t: 'scanned'; bytes: number }
  | { t: 'done'; returned: number; missing: number[] }
  | { t: 'failed'; message: string };

export interface RosterMatchResult {
  returned: number;
  missing: number[];
}

export class RosterMatchThread {
  private readonly worker: Worker;
  private nextFile = 0;
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  private failure?: Error;
  private finished?: { resolve: (r: RosterMatchResult) => void; reject: (err: Error) => void };

  /** Starts the thread with each student's keys (`students[i]`: the keys of student i). */
  constructor(students: readonly (readonly string[])[]) {
    // From source, tsx is registered inside the thread; compiled (dist/), the thread runs the JavaScript beside us.
    this.worker = new Worker(`${SELF.endsWith('.ts') ? "require('tsx/cjs'); " : ''}require(${JSON.stringify(SELF)});`, {
      eval: true,
      workerData: { marker: MARKER, students },
    });
    this.worker.on('message', (message: FromThread) => {
      if (message.t === 'scanned') {
        this.inFlight -= message.bytes;
        if (this.inFlight <= IN_FLIGHT) for (const go of this.waiting.splice(0)) go();
      } else if (message.t === 'done') this.finished?.resolve({ returned: message.returned, missing: message.missing });
      else this.fail(new Error(`matching the roster failed: ${message.message}`));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`the roster's match thread exited with ${code}`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const go of this.waiting.splice(0)) go();
    this.finished?.reject(this.failure);
  }

  private post(message: ToThread, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  /** A scanner for one returned file, or undefined for a format the match does not read. */
  scannerFor(name: string): FileScanner | undefined {
    if (!scannedFormatOf(name)) return undefined;
    const file = this.nextFile++;
    this.post({ t: 'open', file, name });
    return {
      update: (chunk) => {
        if (this.failure) throw this.failure;
        // A copy of its own to hand over: the chunk goes on to the hash and the compressor.
        const bytes = new Uint8Array(chunk);
        this.inFlight += bytes.byteLength;
        this.post({ t: 'chunk', file, bytes }, [bytes.buffer]);
        if (this.inFlight <= IN_FLIGHT) return undefined;
        return new Promise<void>((go) => this.waiting.push(go));
      },
      end: () => this.post({ t: 'end', file }),
    };
  }

  /** The students seen in every file scanned, once the thread has read all it was sent; the thread then ends. */
  async finish(): Promise<RosterMatchResult> {
    if (this.failure) throw this.failure;
    const result = new Promise<RosterMatchResult>((resolve, reject) => {
      this.finished = { resolve, reject };
    });
    this.post({ t: 'finish' });
    try {
      return await result;
    } finally {
      await this.worker.terminate();
    }
  }

  /** Ends the thread without a result (packaging failed). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

if (!isMainThread && parentPort && (workerData as { marker?: string } | undefined)?.marker === MARKER) {
  const port = parentPort;
  // The keys are packed into typed arrays; the arrays they came in are let go.
  const match = new RosterMatch(new RosterKeys((workerData as { students: string[][] }).students));
  (workerData as { students?: string[][] }).students = undefined;
  const scanners = new Map<number, ValueScanner>();
  port.on('message', (message: ToThread) => {
    try {
      if (message.t === 'open') {
        const scanner = match.scannerFor(message.name);
        if (scanner) scanners.set(message.file, scanner);
      } else if (message.t === 'chunk') {
        scanners.get(message.file)?.update(message.bytes);
        port.postMessage({ t: 'scanned', bytes: message.bytes.byteLength } satisfies FromThread);
      } else if (message.t === 'end') {
        scanners.get(message.file)?.end();
        scanners.delete(message.file);
      } else {
        port.postMessage({ t: 'done', returned: match.returned(), missing: match.missing() } satisfies FromThread);
      }
    } catch (err) {
      port.postMessage({ t: 'failed', message: (err as Error).message } satisfies FromThread);
    }
  });
}
