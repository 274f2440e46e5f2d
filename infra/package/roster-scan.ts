// The roster match's fast path in WebAssembly (wasm/roster-scan.ts; its compiled bytes are committed in
// roster-scan-kernel.ts): the CSV cells and JSON values of a chunk found sixteen bytes at a time, and only those that
// could be the key of a student not seen yet handed back. One per match: its memory holds the match's tables (the
// keys' shapes, the filter of unseen students' hashes, which roster-matcher.ts's Seen keeps up to date) and one
// piece of a chunk at a time.
import { ROSTER_SCAN_WASM } from './roster-scan-kernel';

/** The most bytes scanned in one call: a longer chunk is scanned piece by piece. */
export const KERNEL_PIECE = 1024 * 1024;
/** Values kept per call before the scan stops to hand them over. */
const OUT_CAPACITY = 4096;
/** Set in a kept value's end when the value has a byte beyond ASCII, to be normalized rather than hashed. */
const NON_ASCII = 0x80000000;
const PAGE = 64 * 1024;

/** The kernel's numbers: WebAssembly globals, each read and written through `value`. */
interface Global {
  value: number;
}

interface KernelExports {
  shapes: Global;
  maxLength: Global;
  filter: Global;
  shift: Global;
  out: Global;
  outCapacity: Global;
  found: Global;
  csvCells(base: number, at: number, n: number): number;
  jsonValues(base: number, at: number, n: number): number;
}

/** The part of the WebAssembly API used here (TypeScript declares it only with the DOM library). */
export interface KernelMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => KernelMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** The most memory a kernel may have, in pages of 64 KiB (1 GiB): what its module declares. */
export const KERNEL_MAX_PAGES = 16384;
const pagesFor = (bytes: number): number => Math.ceil(bytes / PAGE);

/**
 * Memory shared between threads for a kernel, its first `bytes` for the caller (the match thread's ring, which the
 * packaging thread writes and the kernel reads in place); the kernel's tables go after them.
 */
export function sharedKernelMemory(bytes: number): KernelMemory {
  return new WebAssembly.Memory({ initial: pagesFor(bytes + 16), maximum: KERNEL_MAX_PAGES, shared: true });
}

let compiled: object | undefined;

const aligned = (n: number): number => Math.ceil(n / 16) * 16;

/** A value the kernel kept: bytes [start, end) of the piece, its hash, or `ascii` false for one to normalize. */
export type KeptValue = (start: number, end: number, hash: number, ascii: boolean) => void;

export class ScanKernel {
  /** The filter's words, for the match to clear as students are seen. */
  readonly filterWords: Int32Array;
  private readonly memory: KernelMemory;
  private readonly bytes: Uint8Array;
  private readonly out: Uint32Array;
  private readonly pieceAt: number;
  private readonly kernel: KernelExports;
  /** Where the loaded piece begins in the memory. */
  private base = 0;

  /**
   * `shapes` and `maxLength` as RosterKeys has them; the filter has `filterBits` bits (a power of two, at least 32),
   * a hash's bucket being `Math.imul(hash, 0x9e3779b1) >>> shift`. Given `memory` (sharedKernelMemory), the kernel
   * keeps what it holds to the caller's part and grows it for its tables; else it has memory of its own.
   */
  constructor(shapes: Uint8Array, maxLength: number, filterBits: number, shift: number, memory?: KernelMemory) {
    const reserved = memory?.buffer.byteLength ?? 0;
    const shapesAt = reserved;
    const filterAt = aligned(shapesAt + shapes.length);
    const outAt = filterAt + filterBits / 8;
    this.pieceAt = aligned(outAt + OUT_CAPACITY * 12);
    // 16 bytes past a piece stay readable: the kernel reads the last word of a value whole and masks it.
    const pages = pagesFor(this.pieceAt + KERNEL_PIECE + 16);
    if (memory) memory.grow(pages - memory.buffer.byteLength / PAGE);
    this.memory = memory ?? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    compiled ??= new WebAssembly.Module(ROSTER_SCAN_WASM);
    this.kernel = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as KernelExports;
    const buffer = this.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.bytes.set(shapes, shapesAt);
    this.filterWords = new Int32Array(buffer, filterAt, filterBits / 32);
    this.out = new Uint32Array(buffer, outAt, OUT_CAPACITY * 3);
    this.kernel.shapes.value = shapesAt;
    this.kernel.maxLength.value = maxLength;
    this.kernel.filter.value = filterAt;
    this.kernel.shift.value = shift;
    this.kernel.out.value = outAt;
    this.kernel.outCapacity.value = OUT_CAPACITY;
  }

  /**
   * Makes a piece (at most KERNEL_PIECE bytes) the one the scans that follow read: in place when it lies in the
   * kernel's memory already (the ring), else copied in.
   */
  load(piece: Uint8Array): void {
    if (piece.buffer === this.memory.buffer) {
      this.base = piece.byteOffset;
      return;
    }
    this.bytes.set(piece, this.pieceAt);
    this.base = this.pieceAt;
  }

  /** CSV cells of the loaded piece from `at` (a cell's start) to n; returns where the JavaScript side takes over. */
  csvCells(at: number, n: number, kept: KeptValue): number {
    const stop = this.kernel.csvCells(this.base, at, n);
    this.handOver(kept);
    return stop;
  }

  /** JSON values of the loaded piece from `at` (outside a string) to n; returns where the JavaScript side takes over. */
  jsonValues(at: number, n: number, kept: KeptValue): number {
    const stop = this.kernel.jsonValues(this.base, at, n);
    this.handOver(kept);
    return stop;
  }

  private handOver(kept: KeptValue): void {
    const found = this.kernel.found.value;
    const out = this.out;
    for (let k = 0; k < found * 3; k += 3) {
      const end = out[k + 1]!;
      if (end >= NON_ASCII) kept(out[k]!, end - NON_ASCII, 0, false);
      else kept(out[k]!, end, out[k + 2]! | 0, true);
    }
  }
}
