// Compression for the return package. An entry is cut into blocks of 256 KiB; each block is deflated on
// its own on libuv's thread pool, as many at once as there are cores, earliest block first, and the
// results are joined into one DEFLATE stream per entry (each block primed with the 32 KiB before it, so
// joining costs almost nothing in size). Blocks that look like random bytes (already compressed, encrypted)
// are stored without trying to deflate them: deflating them is the slowest thing zlib does and saves nothing.
// A file of one block is stored (method 0) or deflated (method 8), whichever is smaller, like Info-ZIP does;
// a longer file is method 8, its random-looking blocks as DEFLATE stored blocks (five bytes per 64 KiB),
// so a file that mixes both is still compressed where it can be.
// Every choice depends only on the bytes, never on timing or chunking, so the same files give the same ZIP.
import os from 'node:os';
import zlib from 'node:zlib';
import { METHOD_DEFLATED, METHOD_STORED } from './zip-records';

export const BLOCK_SIZE = 256 * 1024;
const WINDOW = 32 * 1024;
const STORED_BLOCK_MAX = 0xffff;

/** Where a block stands in the package: entry index, then block index. Lower runs first. */
export interface BlockRank {
  entry: number;
  block: number;
}

interface Task extends BlockRank {
  data: Buffer;
  final: boolean;
  dictionary: Buffer | undefined;
  resolve: (out: Buffer) => void;
  reject: (err: Error) => void;
}

const before = (a: BlockRank, b: BlockRank): boolean => a.entry < b.entry || (a.entry === b.entry && a.block < b.block);

/** Deflates blocks on the thread pool, `lanes` at a time, leaving threads free for reading files. */
export class BlockCompressor {
  private readonly heap: Task[] = [];
  private running = 0;

  constructor(private readonly lanes = Math.max(1, os.availableParallelism())) {}

  /** One piece of a raw DEFLATE stream: ends byte-aligned (sync flush), or ends the stream when `final`. */
  deflate(data: Buffer, final: boolean, rank: BlockRank, dictionary?: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.push({ ...rank, data, final, dictionary, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.lanes && this.heap.length > 0) {
      const task = this.pop();
      this.running += 1;
      zlib.deflateRaw(
        task.data,
        {
          level: 1,
          memLevel: 8,
          windowBits: 15,
          strategy: zlib.constants.Z_DEFAULT_STRATEGY,
          // Room for a block that deflate halves: one trip to the thread pool instead of one per 16 KiB out.
          chunkSize: (task.data.length >> 1) + 1024,
          finishFlush: task.final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
          ...(task.dictionary ? { dictionary: task.dictionary } : {}),
        },
        (err, out) => {
          this.running -= 1;
          if (err) task.reject(err);
          // A small result would otherwise hold on to the whole output buffer until it is written.
          else task.resolve(out.length < out.buffer.byteLength >> 2 ? Buffer.from(out) : out);
          this.next();
        },
      );
    }
  }

  private push(task: Task): void {
    const heap = this.heap;
    heap.push(task);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Task {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heap.length && before(heap[left]!, heap[least]!)) least = left;
        if (right < heap.length && before(heap[right]!, heap[least]!)) least = right;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least]!, heap[i]!];
        i = least;
      }
    }
    return top;
  }
}

/** Full-block buffers for deflate's input, reused: 256 KiB each, half the data of a typical return. */
const spareBlocks: Buffer[] = [];
const SPARE_BLOCKS = 16;

const SAMPLE = 2048;
/** Bits per byte above which deflate could gain at most about 1%: not worth its time. */
const INCOMPRESSIBLE_BITS = 7.9;
const counts = new Uint32Array(256);

/**
 * A block as the reader holds it: the chunks it arrived in. Nothing is copied unless it has to be
 * contiguous (deflate's input, a sample that straddles two chunks).
 */
export class Block {
  readonly length: number;
  private joined: Buffer | undefined;

  constructor(readonly chunks: Buffer[]) {
    this.length = chunks.reduce((sum, c) => sum + c.length, 0);
  }

  /** The block in one buffer, for deflate: full blocks reuse buffers handed back by `release`. */
  joinedForDeflate(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0]!;
    this.joined =
      this.length === BLOCK_SIZE
        ? (spareBlocks.pop() ?? Buffer.allocUnsafeSlow(BLOCK_SIZE))
        : Buffer.allocUnsafe(this.length);
    let at = 0;
    for (const chunk of this.chunks) at += chunk.copy(this.joined, at);
    return this.joined;
  }

  /** Deflate is done with the joined buffer. */
  release(): void {
    if (this.joined?.length === BLOCK_SIZE && spareBlocks.length < SPARE_BLOCKS) spareBlocks.push(this.joined);
    this.joined = undefined;
  }

  /** Bytes [start, end) as views of the chunks that hold them, appended to `parts` (nothing copied). */
  pieces(start: number, end: number, parts: Buffer[] = []): Buffer[] {
    let at = 0;
    for (const chunk of this.chunks) {
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, chunk.length);
      if (from < to) parts.push(chunk.subarray(from, to));
      at += chunk.length;
      if (at >= end) break;
    }
    return parts;
  }

  /** Bytes [start, end) as one buffer. */
  slice(start: number, end: number): Buffer {
    const parts = this.pieces(start, end);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  whole(): Buffer {
    return this.slice(0, this.length);
  }

  /** The last 32 KiB: what a reader has in its window when the next block starts. */
  window(): Buffer {
    return this.slice(Math.max(0, this.length - WINDOW), this.length);
  }
}

/** Byte entropy of a sample in bits per byte, with the Miller-Madow correction for small samples. */
function entropyBits(sample: Buffer): number {
  counts.fill(0);
  for (let i = 0; i < sample.length; i += 1) counts[sample[i]!]! += 1;
  let bits = 0;
  let seen = 0;
  for (let b = 0; b < 256; b += 1) {
    const c = counts[b]!;
    if (c === 0) continue;
    seen += 1;
    const p = c / sample.length;
    bits -= p * Math.log2(p);
  }
  return bits + (seen - 1) / (2 * sample.length * Math.LN2);
}

/**
 * True when every sampled slice of the block is as dense as random bytes. Deflate gains nothing on such
 * data unless it repeats itself within 32 KiB, which compressed and encrypted data do not.
 */
export function looksIncompressible(block: Block): boolean {
  if (block.length < SAMPLE / 2) return false;
  if (block.length <= 4 * SAMPLE) return entropyBits(block.whole()) >= INCOMPRESSIBLE_BITS;
  for (let i = 0; i < 4; i += 1) {
    const at = Math.floor(((block.length - SAMPLE) * i) / 3);
    if (entropyBits(block.slice(at, at + SAMPLE)) < INCOMPRESSIBLE_BITS) return false;
  }
  return true;
}

/** The block as DEFLATE stored blocks (BTYPE 00): five bytes of framing per 64 KiB, no compression work. */
export function storedDeflateBlocks(block: Block, final: boolean): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < block.length || (at === 0 && final); at += STORED_BLOCK_MAX) {
    const end = Math.min(at + STORED_BLOCK_MAX, block.length);
    const head = Buffer.alloc(5);
    head[0] = final && end === block.length ? 1 : 0;
    head.writeUInt16LE(end - at, 1);
    head.writeUInt16LE(~(end - at) & 0xffff, 3);
    parts.push(head);
    block.pieces(at, end, parts);
  }
  return parts;
}

const storedLength = (length: number): number => length + 5 * Math.max(1, Math.ceil(length / STORED_BLOCK_MAX));

export interface EncodedBlock {
  method: number;
  parts: Buffer[];
}

/** Below this, deflate saves a few bytes at best and costs a trip to the thread pool: stored. */
const MIN_DEFLATE = 128;

/** An entry that fits in one block: deflated when that makes it smaller, else stored as it is. */
export async function encodeWholeEntry(
  compressor: BlockCompressor,
  block: Block,
  rank: BlockRank,
): Promise<EncodedBlock> {
  if (block.length === 0) return { method: METHOD_STORED, parts: [] };
  if (block.length < MIN_DEFLATE || looksIncompressible(block)) return { method: METHOD_STORED, parts: block.chunks };
  const deflated = await compressor.deflate(block.joinedForDeflate(), true, rank).finally(() => block.release());
  return deflated.length < block.length
    ? { method: METHOD_DEFLATED, parts: [deflated] }
    : { method: METHOD_STORED, parts: block.chunks };
}

/**
 * One block of a longer entry, as the next piece of the entry's DEFLATE stream. `window` is the 32 KiB
 * before it: they prime the compressor, as a reader has them in its window.
 */
export async function encodeStreamBlock(
  compressor: BlockCompressor,
  block: Block,
  final: boolean,
  rank: BlockRank,
  window?: Buffer,
): Promise<Buffer[]> {
  if (looksIncompressible(block)) return storedDeflateBlocks(block, final);
  const deflated = await compressor
    .deflate(block.joinedForDeflate(), final, rank, window)
    .finally(() => block.release());
  return deflated.length < storedLength(block.length) ? [deflated] : storedDeflateBlocks(block, final);
}
