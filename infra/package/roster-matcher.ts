// Finds which students of the district's roster the returned files mention, in the same pass as the record count
// (package-entry-reader.ts): a student counts as returned when a value of a returned file equals one of its keys,
// compared trimmed of ASCII whitespace and lower-cased. The values are the cells of a CSV (header row included),
// the strings and numbers of JSON and JSON Lines at any depth (object keys are not values), the text and attribute
// values of XML. Other files are not read.
//
// This runs on every byte of returns that reach several GiB, so no string is built for a value unless it could be
// a key. Plain CSV and JSON go through the WebAssembly kernel (roster-scan.ts), which passes over a value whose
// byte length no key has, or whose first byte no key starts with, where it lies, hashes the others there, and hands
// back only those whose hash bucket still holds an unseen student's key (a bit per bucket, cleared once every
// student with a key in it was seen). What it does not read, this file does: a value cut by a chunk boundary is
// carried in a buffer no longer than the longest key (a longer one is only marked too long), and so is one that
// needs decoding (a CSV "" or a JSON escape or an XML entity); XML is read here whole.

import { KERNEL_PIECE, ScanKernel, type KeptValue, type KernelMemory } from './roster-scan';

export type ScannedFormat = 'csv' | 'jsonl' | 'json' | 'xml';

/** The format whose values are scanned, by file name (.csv; .jsonl/.ndjson; .json; .xml), else undefined. */
export function scannedFormatOf(name: string): ScannedFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.xml')) return 'xml';
  return undefined;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const HASH = 0x23;
const AMP = 0x26;
const APOS = 0x27;
const COMMA = 0x2c;
const DASH = 0x2d;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const LT = 0x3c;
const GT = 0x3e;
const QUESTION = 0x3f;
const BANG = 0x21;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const EMPTY = Buffer.alloc(0);

function byteTable(bytes: Iterable<number>): Uint8Array {
  const table = new Uint8Array(256);
  for (const b of bytes) table[b] = 1;
  return table;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space. */
const BLANK = byteTable([TAB, LF, 0x0b, 0x0c, CR, SPACE]);
const LOWER = Uint8Array.from(range(0, 255), (b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b));
/** Bytes a JSON number is made of; a number starts with a digit or a minus. */
const NUMBER = byteTable([...range(0x30, 0x39), DASH, 0x2b, 0x2e, 0x45, 0x65]);
const JSON_START = Uint8Array.from(range(0, 255), (b) =>
  b === QUOTE ? 1 : b === DASH || (b >= 0x30 && b <= 0x39) ? 2 : 0,
);
const JSON_ESCAPE = Uint8Array.from(range(0, 255), (b) =>
  b === 0x62 ? 0x08 : b === 0x66 ? 0x0c : b === 0x6e ? LF : b === 0x72 ? CR : b === 0x74 ? TAB : b,
);
const HEX = Int8Array.from(range(0, 255), (b) =>
  b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1,
);
const ENTITY_NAME = byteTable([...range(0x30, 0x39), ...range(0x41, 0x5a), ...range(0x61, 0x7a), HASH]);
const NAMED_ENTITIES: Record<string, number> = { amp: AMP, lt: LT, gt: GT, quot: QUOTE, apos: APOS };
const LONGEST_ENTITY = 8; // #x10FFFF
/** Bytes of a JSON string or XML text looked at one by one before Buffer.indexOf jumps to its end. */
const LOOPED = 48;

const BEYOND_ASCII = /[\u0080-\uffff]/;
const EDGE_BLANKS = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g;

/**
 * Trimmed of ASCII whitespace and lower-cased letter by letter, through the upper case so that a final sigma is a
 * sigma. A letter whose lower case would be another number of characters or of UTF-8 bytes (the Kelvin sign, İ, ß
 * and a few dozen others) stays as it is: a value's byte length and the length of its first letter are then its
 * key's, and those are what let most values be passed over unread.
 */
function normalize(text: string): string {
  const trimmed = text.replace(EDGE_BLANKS, '');
  if (!BEYOND_ASCII.test(trimmed)) return trimmed.toLowerCase();
  let lower = '';
  for (const letter of trimmed) {
    const l = letter.toUpperCase().toLowerCase();
    const oneLetter = l.length === (l.codePointAt(0)! > 0xffff ? 2 : 1);
    lower += oneLetter && Buffer.byteLength(l) === Buffer.byteLength(letter) ? l : letter;
  }
  return lower;
}

const HASH_SEED = 0x811c9dc5;

/**
 * The roster's keys packed for the match, each normalized (trimmed, lower-cased): made once when the roster is
 * attached and kept sealed beside it, then handed to the match thread as one buffer, so that packaging a return
 * neither parses the roster's students nor copies them key by key. Little-endian 32-bit numbers: how many students,
 * how many keys, each student's number of keys, each key's UTF-8 length; then the keys' bytes, in the same order.
 */
export function packRosterKeys(students: readonly (readonly string[])[]): Buffer {
  const normalized = students.map((keys) => keys.map(normalize).filter((key) => key !== ''));
  const keys = normalized.flat();
  const lengths = keys.map((key) => Buffer.byteLength(key));
  const head = 4 * (2 + students.length + keys.length);
  const packed = Buffer.alloc(head + lengths.reduce((sum, n) => sum + n, 0));
  let at = packed.writeUInt32LE(students.length, 0);
  at = packed.writeUInt32LE(keys.length, at);
  for (const own of normalized) at = packed.writeUInt32LE(own.length, at);
  for (const length of lengths) at = packed.writeUInt32LE(length, at);
  for (const key of keys) at += packed.write(key, at);
  return packed;
}

/** The roster's keys (packRosterKeys), mapping each to the index of the student who owns it. */
export class RosterKeys {
  /** How many students. */
  readonly students: number;
  /** The byte length (UTF-8) of the longest key. */
  readonly maxLength: number;
  /**
   * `shapes[length * 256 + b]` is 1 when a value of that byte length starting with byte b could be a key (either
   * case of an ASCII letter; beyond ASCII, any lead byte of a character as long as the key's first).
   */
  readonly shapes: Uint8Array;
  private readonly bytes: Uint8Array;
  /** Open addressing, linear probing, four numbers a slot: hash, owner + 1 (0: empty), start and length in `bytes`. */
  private readonly slots: Int32Array;
  /** The hashes of the keys each student owns: those of student i from `firstKey[i]` to `firstKey[i + 1]`. */
  private readonly hashes: Int32Array;
  private readonly firstKey: Uint32Array;

  /** The keys of students given as strings (`students[i]`: the keys of student i), as a test or a bench has them. */
  static of(students: readonly (readonly string[])[]): RosterKeys {
    return new RosterKeys(packRosterKeys(students));
  }

  /** Reads `packed` in place (it is kept, not copied). */
  constructor(packed: Uint8Array) {
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    const students = view.getUint32(0, true);
    const count = view.getUint32(4, true);
    const lengthAt = 8 + 4 * students;
    const bytes = packed.subarray(lengthAt + 4 * count);
    this.students = students;
    this.bytes = bytes;
    let size = 2;
    while (size < count * 2) size *= 2;
    const slots = new Int32Array(size * 4);
    this.slots = slots;
    const hashes = new Int32Array(count);
    this.firstKey = new Uint32Array(students + 1);
    const shapes = new Set<number>();
    let kept = 0;
    let key = 0;
    let at = 0;
    let longest = 0;
    for (let student = 0; student < students; student += 1) {
      this.firstKey[student] = kept;
      const own = view.getUint32(8 + 4 * student, true);
      for (const last = key + own; key < last; key += 1) {
        const length = view.getUint32(lengthAt + 4 * key, true);
        const start = at;
        at += length;
        const hash = hashOf(bytes, start, at);
        if (this.studentOf(hash, bytes, start, at) !== -1) continue; // owned already: the first owner keeps it
        let slot = hash & (size - 1);
        while (slots[slot * 4 + 1] !== 0) slot = (slot + 1) & (size - 1);
        slots[slot * 4] = hash;
        slots[slot * 4 + 1] = student + 1;
        slots[slot * 4 + 2] = start;
        slots[slot * 4 + 3] = length;
        hashes[kept] = hash;
        kept += 1;
        longest = Math.max(longest, length);
        const first = bytes[start]!;
        // A letter and its upper case have the same UTF-8 length but, beyond ASCII, not always the same first byte.
        const firsts = first < 0x80 ? [first, first >= 0x61 && first <= 0x7a ? first - 0x20 : first] : leadsLike(first);
        for (const b of firsts) shapes.add(length * 256 + b);
      }
    }
    this.firstKey[students] = kept;
    this.hashes = hashes.subarray(0, kept);
    this.maxLength = longest;
    this.shapes = new Uint8Array((longest + 1) * 256);
    for (const shape of shapes) this.shapes[shape] = 1;
  }

  /** The index of the student whose key `value` is (after normalizing), or undefined. */
  lookup(value: string): number | undefined {
    const bytes = Buffer.from(normalize(value));
    const student = this.studentOf(hashOf(bytes, 0, bytes.length), bytes, 0, bytes.length);
    return student === -1 ? undefined : student;
  }

  /**
   * The student whose key bytes[start, end) is once ASCII letters are lower-cased, or -1; `hash` is their hashOf.
   * No string is made.
   */
  studentOf(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const slots = this.slots;
    const mask = slots.length / 4 - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const owner = slots[slot * 4 + 1]!;
      if (owner === 0) return -1;
      if (slots[slot * 4] !== hash || slots[slot * 4 + 3] !== length) continue;
      const at = slots[slot * 4 + 2]!;
      let k = 0;
      while (k < length && this.bytes[at + k] === LOWER[bytes[start + k]!]) k += 1;
      if (k === length) return owner - 1;
    }
  }

  /** How many keys the students own. */
  get keys(): number {
    return this.hashes.length;
  }

  /** Calls `each` with the hash of every key student `student` owns. */
  forEachHash(student: number, each: (hash: number) => void): void {
    for (let k = this.firstKey[student]!; k < this.firstKey[student + 1]!; k += 1) each(this.hashes[k]!);
  }
}

/**
 * The hash of the bytes with ASCII letters lower-cased, four bytes at a time (little-endian, the last group padded
 * with zeros): the kernel (wasm/roster-scan.ts) computes the same, and keys and values must agree on it.
 */
export function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = HASH_SEED ^ (end - start);
  let k = start;
  for (; k + 4 <= end; k += 4) {
    const word =
      LOWER[bytes[k]!]! | (LOWER[bytes[k + 1]!]! << 8) | (LOWER[bytes[k + 2]!]! << 16) | (LOWER[bytes[k + 3]!]! << 24);
    hash = (((hash << 5) | (hash >>> 27)) + Math.imul(word, 0x9e3779b1)) | 0;
  }
  if (k < end) {
    let word = 0;
    for (let shift = 0; k < end; k += 1, shift += 8) word |= LOWER[bytes[k]!]! << shift;
    hash = (((hash << 5) | (hash >>> 27)) + Math.imul(word, 0x9e3779b1)) | 0;
  }
  hash = Math.imul(hash ^ (hash >>> 15), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** The lead bytes of every character encoded in as many bytes as the one `lead` begins. */
function leadsLike(lead: number): number[] {
  if (lead >= 0xf0) return range(0xf0, 0xf7);
  if (lead >= 0xe0) return range(0xe0, 0xef);
  return range(0xc0, 0xdf);
}

/**
 * The students seen so far, and a filter of the keys of those not seen yet: a bit for each of 16 buckets a key, set
 * while the bucket holds the hash of an unseen student's key. Most values that are no key, and every repeat of a
 * student already seen, stop at the bit (in cache) instead of probing the key table (not in cache).
 */
class Seen {
  readonly flags: Uint8Array;
  count = 0;
  /** Keys of unseen students in each bucket (255: too many to count, the bit stays set). */
  private readonly counts: Uint8Array;
  private readonly shift: number;
  private readonly add = (hash: number): void => {
    const bucket = this.bucket(hash);
    const count = this.counts[bucket]!;
    if (count < 255) this.counts[bucket] = count + 1;
    const word = bucket >>> 5;
    this.unseen[word] = this.unseen[word]! | (1 << (bucket & 31));
  };
  private readonly remove = (hash: number): void => {
    const bucket = this.bucket(hash);
    const count = this.counts[bucket]!;
    if (count === 255) return;
    this.counts[bucket] = count - 1;
    const word = bucket >>> 5;
    if (count === 1) this.unseen[word] = this.unseen[word]! & ~(1 << (bucket & 31));
  };

  /** The filter's size: 2 to the power of this many bits, about 16 a key. */
  static bitsFor(keys: RosterKeys): number {
    let bits = 6;
    while (1 << bits < keys.keys * 16) bits += 1;
    return bits;
  }

  /** `unseen`: the filter's words (the scan kernel's, which reads them), zeroed, 2 ** (bits - 5) of them. */
  constructor(
    private readonly keys: RosterKeys,
    bits: number,
    private readonly unseen: Int32Array,
  ) {
    this.flags = new Uint8Array(keys.students);
    this.shift = 32 - bits;
    this.counts = new Uint8Array(1 << bits);
    for (let student = 0; student < keys.students; student += 1) keys.forEachHash(student, this.add);
  }

  private bucket(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.shift;
  }

  /** Whether a key of an unseen student could have this hash. */
  maybe(hash: number): boolean {
    const bucket = this.bucket(hash);
    return (this.unseen[bucket >>> 5]! & (1 << (bucket & 31))) !== 0;
  }

  mark(student: number): void {
    if (this.flags[student] !== 0) return;
    this.flags[student] = 1;
    this.count += 1;
    this.keys.forEachHash(student, this.remove);
  }

  get all(): boolean {
    return this.count === this.flags.length;
  }
}

/** What one file's values are fed to, chunk by chunk. */
export interface ValueScanner {
  update(chunk: Uint8Array): void;
  end(): void;
}

/**
 * What the three formats share: the skipped byte-order mark, the checks on a value lying in the chunk, and the
 * buffer of a value carried across chunks or decoded (its bytes from its first non-blank one, kept up to the
 * longest key's length; past that, with a non-blank byte, it is too long to be a key and only its end is awaited).
 */
abstract class Scanner implements ValueScanner {
  protected readonly max: number;
  protected readonly shapes: Uint8Array;
  protected readonly value: Buffer;
  /** Bytes of the carried value from its first non-blank one (counted on past what is kept). */
  protected length = 0;
  /** Its bytes up to its last non-blank one. */
  protected content = 0;
  protected tooLong = false;
  /** Bytes of a byte-order mark matched at the start of the file; -1 once past it. */
  private bom = 0;

  /** The piece being scanned, for the values the kernel keeps. */
  private piece: Buffer = EMPTY;
  /** A value the kernel kept: looked up, and its student marked seen. */
  private readonly kept: KeptValue = (start, end, hash, ascii) => {
    if (!ascii) {
      this.lookup(this.piece, start, end);
      return;
    }
    const student = this.keys.studentOf(hash, this.piece, start, end);
    if (student !== -1) this.seen.mark(student);
  };

  constructor(
    private readonly keys: RosterKeys,
    private readonly seen: Seen,
    private readonly kernel: ScanKernel,
  ) {
    this.max = keys.maxLength;
    this.shapes = keys.shapes;
    this.value = Buffer.alloc(keys.maxLength);
  }

  update(chunk: Uint8Array): void {
    if (this.seen.all) return;
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.bom >= 0) bytes = this.skipBom(bytes);
    // The kernel holds a piece at a time; a chunk cut in pieces reads as the same bytes arriving in smaller chunks.
    for (let at = 0; at < bytes.length; at += KERNEL_PIECE) this.scan(bytes.subarray(at, at + KERNEL_PIECE));
  }

  /** Hands `piece` to the kernel for the fast paths' calls that follow. */
  protected loadPiece(piece: Buffer): void {
    this.piece = piece;
    this.kernel.load(piece);
  }

  /** CSV cells by the kernel from `at` (a cell's start); returns where the JavaScript side takes over. */
  protected kernelCells(at: number): number {
    return this.kernel.csvCells(at, this.piece.length, this.kept);
  }

  /** JSON values by the kernel from `at` (outside a string); returns where the JavaScript side takes over. */
  protected kernelValues(at: number): number {
    return this.kernel.jsonValues(at, this.piece.length, this.kept);
  }

  end(): void {
    if (this.seen.all) return;
    if (this.bom > 0) this.scan(BOM.subarray(0, this.bom));
    this.bom = -1;
    this.finish();
  }

  protected abstract scan(bytes: Buffer): void;

  /** The file ended: a value still open ends with it. */
  protected abstract finish(): void;

  private skipBom(bytes: Buffer): Buffer {
    let i = 0;
    while (i < bytes.length && this.bom < 3 && bytes[i] === BOM[this.bom]) {
      this.bom += 1;
      i += 1;
    }
    if (this.bom === 3) {
      this.bom = -1;
      return bytes.subarray(i);
    }
    if (i === bytes.length) return EMPTY;
    const earlier = this.bom - i; // matched in earlier chunks: not a mark after all, so content
    this.bom = -1;
    if (earlier > 0) this.scan(BOM.subarray(0, earlier));
    return bytes;
  }

  /** Looks up bytes[start, end) when, trimmed, its length and first byte could be a key's. */
  protected check(bytes: Uint8Array, start: number, end: number): void {
    while (start < end && BLANK[bytes[start]!] === 1) start += 1;
    while (end > start && BLANK[bytes[end - 1]!] === 1) end -= 1;
    const length = end - start;
    if (length > this.max || this.shapes[length * 256 + bytes[start]!] !== 1) return;
    this.lookup(bytes, start, end);
  }

  /** Looks up bytes[start, end), trimmed already, and marks its student seen. */
  protected lookup(bytes: Uint8Array, start: number, end: number): void {
    for (let k = start; k < end; k += 1) {
      if (bytes[k]! >= 0x80) {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
        const student = this.keys.lookup(text);
        if (student !== undefined) this.seen.mark(student);
        return;
      }
    }
    const hash = hashOf(bytes, start, end);
    if (!this.seen.maybe(hash)) return;
    const student = this.keys.studentOf(hash, bytes, start, end);
    if (student !== -1) this.seen.mark(student);
  }

  /** Whether the carried value, ended, could be a key. */
  protected carriedCouldMatch(): boolean {
    const length = this.content;
    return !this.tooLong && length > 0 && this.shapes[length * 256 + this.value[0]!] === 1;
  }

  /** Adds bytes[start, end) to the carried value. */
  protected append(bytes: Uint8Array, start: number, end: number): void {
    if (this.tooLong) return;
    if (this.length === 0) {
      while (start < end && BLANK[bytes[start]!] === 1) start += 1;
      if (start === end) return;
    }
    let last = end;
    while (last > start && BLANK[bytes[last - 1]!] === 1) last -= 1;
    if (last > start) {
      if (this.length + (last - start) > this.max) {
        this.tooLong = true;
        return;
      }
      this.content = this.length + (last - start);
    }
    const kept = Math.min(end, start + this.max - this.length);
    for (let k = start; k < kept; k += 1) this.value[this.length + k - start] = bytes[k]!;
    this.length += end - start;
  }

  /** Adds one decoded byte to the carried value. */
  protected push(b: number): void {
    if (this.tooLong) return;
    const blank = BLANK[b] === 1;
    if (blank && this.length === 0) return;
    if (!blank) {
      if (this.length >= this.max) {
        this.tooLong = true;
        return;
      }
      this.content = this.length + 1;
    }
    if (this.length < this.max) this.value[this.length] = b;
    this.length += 1;
  }

  /** Adds a decoded character to the carried value, in UTF-8. */
  protected pushCodePoint(cp: number): void {
    if (cp < 0x80) {
      this.push(cp);
    } else if (cp < 0x800) {
      this.push(0xc0 | (cp >> 6));
      this.push(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      this.push(0xe0 | (cp >> 12));
      this.push(0x80 | ((cp >> 6) & 0x3f));
      this.push(0x80 | (cp & 0x3f));
    } else {
      this.push(0xf0 | (cp >> 18));
      this.push(0x80 | ((cp >> 12) & 0x3f));
      this.push(0x80 | ((cp >> 6) & 0x3f));
      this.push(0x80 | (cp & 0x3f));
    }
  }

  /** The carried value ended: looks it up, and empties the buffer. */
  protected endValue(): void {
    if (this.carriedCouldMatch()) this.lookup(this.value, 0, this.content);
    this.clearValue();
  }

  protected clearValue(): void {
    this.length = 0;
    this.content = 0;
    this.tooLong = false;
  }
}

/**
 * RFC 4180, read as the record counter reads it: a quote anywhere opens or closes quoting, "" inside quotes is one
 * quote, quoted fields hold commas and line breaks, a CR before LF is trimmed with the cell's blanks.
 */
class CsvScanner extends Scanner {
  /** A cell was cut by the end of the last chunk. */
  private open = false;
  private inQuotes = false;
  /** The last byte was a closing quote: a quote now is a quote in the cell. */
  private closed = false;

  /**
   * Plain cells go to the kernel (roster-scan.ts), which stops at the first one that is not (quoted oddly, or cut by
   * the end of the piece): that one is read here, then the kernel goes on.
   */
  protected scan(bytes: Buffer): void {
    const n = bytes.length;
    this.loadPiece(bytes);
    let i = this.open ? this.slowCell(bytes, 0) : 0;
    while (i < n) {
      i = this.kernelCells(i);
      if (i < n) i = this.slowCell(bytes, i);
    }
  }

  /** Reads a cell into the value buffer from `i` to its end (returning the index after its comma or LF) or n. */
  private slowCell(bytes: Buffer, i: number): number {
    const n = bytes.length;
    this.open = true;
    while (i < n) {
      if (this.inQuotes) {
        const close = bytes.indexOf(QUOTE, i);
        if (close === -1) {
          this.append(bytes, i, n);
          return n;
        }
        this.append(bytes, i, close);
        this.inQuotes = false;
        this.closed = true;
        i = close + 1;
        continue;
      }
      let j = i;
      while (j < n) {
        const b = bytes[j];
        if (b === COMMA || b === LF || b === QUOTE) break;
        j += 1;
      }
      if (j > i) {
        this.closed = false;
        this.append(bytes, i, j);
      }
      if (j === n) return n;
      if (bytes[j] === QUOTE) {
        if (this.closed) this.push(QUOTE);
        this.closed = false;
        this.inQuotes = true;
        i = j + 1;
        continue;
      }
      this.endCell();
      return j + 1;
    }
    return n;
  }

  private endCell(): void {
    this.endValue();
    this.open = false;
    this.inQuotes = false;
    this.closed = false;
  }

  protected finish(): void {
    if (this.open) this.endCell();
  }
}

const OUTSIDE = 0;
const IN_STRING = 1;
const IN_NUMBER = 2;
/** A string that could be a key ended: it is a value unless the next non-blank byte is a colon. */
const PENDING = 3;

/** JSON and JSON Lines alike: a string followed by a colon is an object key, so no nesting needs tracking. */
class JsonScanner extends Scanner {
  private mode = OUTSIDE;
  /** 0, or 1 after a backslash, or 2 to 5 while the four hex digits of \uXXXX are read. */
  private escape = 0;
  private unit = 0;
  /** A high surrogate from \uXXXX awaiting its low half. */
  private high = 0;
  private nextQuote = -1;
  private nextBackslash = -1;

  /**
   * Values outside strings go to the kernel (roster-scan.ts), which stops at the first it cannot read whole (an
   * escape, or cut by the end of the piece): that one is read here, then the kernel goes on.
   */
  protected scan(bytes: Buffer): void {
    const n = bytes.length;
    this.loadPiece(bytes);
    this.nextQuote = -1;
    this.nextBackslash = -1;
    let i = 0;
    while (i < n) {
      if (this.mode !== OUTSIDE) i = this.resume(bytes, i);
      else {
        i = this.kernelValues(i);
        if (i < n) i = this.oneValue(bytes, i);
      }
    }
  }

  /**
   * The value at `i`, or the byte there when it begins none: the index after it, or where the slow path takes over
   * (the mode says which) when it has an escape or the end of the piece cuts it or may cut the colon after it.
   */
  private oneValue(bytes: Buffer, i: number): number {
    const n = bytes.length;
    const kind = JSON_START[bytes[i]!]!;
    if (kind === 0) return i + 1;
    if (kind === 2) {
      let end = i + 1;
      while (end < n && NUMBER[bytes[end]!] === 1) end += 1;
      if (end === n) {
        this.append(bytes, i, n);
        this.mode = IN_NUMBER;
        return n;
      }
      this.check(bytes, i, end);
      return end;
    }
    const start = i + 1;
    this.refresh(bytes, start);
    const close = Math.min(this.nextQuote, this.nextBackslash);
    if (close === n || bytes[close] === BACKSLASH) {
      this.mode = IN_STRING;
      return start;
    }
    let s = start;
    let e = close;
    while (s < e && BLANK[bytes[s]!] === 1) s += 1;
    while (e > s && BLANK[bytes[e - 1]!] === 1) e -= 1;
    const length = e - s;
    if (length > this.max || this.shapes[length * 256 + bytes[s]!] !== 1) return close + 1;
    let next = close + 1;
    while (next < n && BLANK[bytes[next]!] === 1) next += 1;
    if (next === n) {
      this.append(bytes, s, e);
      this.mode = PENDING;
      return n;
    }
    if (bytes[next] !== COLON) this.lookup(bytes, s, e);
    return next;
  }

  private resume(bytes: Buffer, i: number): number {
    if (this.mode === IN_STRING) return this.slowString(bytes, i);
    if (this.mode === IN_NUMBER) return this.number(bytes, i);
    const n = bytes.length;
    while (i < n && BLANK[bytes[i]!] === 1) i += 1;
    if (i === n) return n;
    if (bytes[i] !== COLON) this.lookup(this.value, 0, this.content);
    this.clearValue();
    this.mode = OUTSIDE;
    return i;
  }

  private refresh(bytes: Buffer, from: number): void {
    if (this.nextQuote < from) {
      const at = bytes.indexOf(QUOTE, from);
      this.nextQuote = at === -1 ? bytes.length : at;
    }
    if (this.nextBackslash < from) {
      const at = bytes.indexOf(BACKSLASH, from);
      this.nextBackslash = at === -1 ? bytes.length : at;
    }
  }

  private slowString(bytes: Buffer, i: number): number {
    const n = bytes.length;
    while (i < n) {
      if (this.escape !== 0) {
        if (this.escaped(bytes[i]!)) i += 1;
        continue;
      }
      this.refresh(bytes, i);
      const stop = this.nextQuote < this.nextBackslash ? this.nextQuote : this.nextBackslash;
      if (stop > i) {
        this.flushHigh();
        this.append(bytes, i, stop);
      }
      if (stop === n) return n;
      if (stop === this.nextQuote) {
        this.flushHigh();
        if (this.carriedCouldMatch()) this.mode = PENDING;
        else {
          this.clearValue();
          this.mode = OUTSIDE;
        }
        return stop + 1;
      }
      this.escape = 1;
      i = stop + 1;
    }
    return n;
  }

  /** One byte of an escape; false when it is not part of one (a malformed \u), to be read again as content. */
  private escaped(b: number): boolean {
    if (this.escape === 1) {
      if (b === 0x75) {
        this.escape = 2;
        this.unit = 0;
        return true;
      }
      this.escape = 0;
      this.flushHigh();
      this.push(JSON_ESCAPE[b]!);
      return true;
    }
    const digit = HEX[b]!;
    if (digit < 0) {
      this.escape = 0;
      return false;
    }
    this.unit = this.unit * 16 + digit;
    this.escape += 1;
    if (this.escape === 6) {
      this.escape = 0;
      this.codeUnit(this.unit);
    }
    return true;
  }

  private codeUnit(unit: number): void {
    if (unit >= 0xd800 && unit < 0xdc00) {
      this.flushHigh();
      this.high = unit;
    } else if (unit >= 0xdc00 && unit < 0xe000) {
      const high = this.high;
      this.high = 0;
      this.pushCodePoint(high ? 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00) : 0xfffd);
    } else {
      this.flushHigh();
      this.pushCodePoint(unit);
    }
  }

  private flushHigh(): void {
    if (this.high !== 0) {
      this.high = 0;
      this.pushCodePoint(0xfffd);
    }
  }

  /** The rest of a number cut by the end of the last chunk. */
  private number(bytes: Buffer, start: number): number {
    const n = bytes.length;
    let end = start;
    while (end < n && NUMBER[bytes[end]!] === 1) end += 1;
    this.append(bytes, start, end);
    if (end === n) return n;
    this.endValue();
    this.mode = OUTSIDE;
    return end;
  }

  protected finish(): void {
    if (this.mode === PENDING) this.lookup(this.value, 0, this.content);
    else if (this.mode === IN_NUMBER) this.endValue();
    this.clearValue();
    this.mode = OUTSIDE;
  }
}

const TEXT = 0;
/** After `<`: a tag, or a comment, CDATA section, processing instruction or declaration. */
const MARKUP = 1;
const TAG = 2;
const ATTRIBUTE = 3;
/** After `<!`: `--` makes a comment, `[CDATA[` a CDATA section, anything else a declaration. */
const BANG_OPEN = 4;
const COMMENT = 5;
const CDATA = 6;
const INSTRUCTION = 7;
const DECLARATION = 8;

/**
 * Text and attribute values, entities decoded. An element's text runs on through comments, processing instructions
 * and CDATA sections (CDATA is text, undecoded) and ends at a tag; names, comments and instructions are not values.
 */
class XmlScanner extends Scanner {
  private mode = TEXT;
  private quote = 0;
  private opened = '';
  /** `-` before a `>` in a comment, `]` in CDATA, `?` in an instruction; `[` depth in a declaration. */
  private marks = 0;
  /** The name of an entity after its `&`, until its `;`. */
  private entity: string | undefined;
  private nextAmp = -1;

  protected scan(bytes: Buffer): void {
    const n = bytes.length;
    this.nextAmp = -1;
    let i = 0;
    while (i < n) {
      switch (this.mode) {
        case TEXT:
          i = this.text(bytes, i);
          break;
        case MARKUP:
          i = this.markup(bytes, i);
          break;
        case TAG:
          i = this.tag(bytes, i);
          break;
        case ATTRIBUTE:
          i = this.attribute(bytes, i);
          break;
        case BANG_OPEN:
          i = this.bang(bytes, i);
          break;
        case COMMENT:
          i = this.closedBy(bytes, i, DASH, 2);
          break;
        case INSTRUCTION:
          i = this.closedBy(bytes, i, QUESTION, 1);
          break;
        case CDATA:
          i = this.cdata(bytes, i);
          break;
        default:
          i = this.declaration(bytes, i);
      }
    }
  }

  /** Whether bytes[from, to) has no `&`: the value can then be read in place. */
  private plain(bytes: Buffer, from: number, to: number): boolean {
    if (this.nextAmp < from) {
      const at = bytes.indexOf(AMP, from);
      this.nextAmp = at === -1 ? bytes.length : at;
    }
    return this.nextAmp >= to;
  }

  private get carrying(): boolean {
    return this.length !== 0 || this.tooLong || this.entity !== undefined;
  }

  /** Text up to a `<`: read in place when it is short, plain (no entity) and ends at a tag in this chunk. */
  private text(bytes: Buffer, i: number): number {
    const n = bytes.length;
    if (!this.carrying) {
      const limit = Math.min(n - 1, i + LOOPED);
      let lt = i;
      while (lt < limit && bytes[lt] !== LT && bytes[lt] !== AMP) lt += 1;
      if (lt < limit && bytes[lt] === LT && bytes[lt + 1] !== BANG && bytes[lt + 1] !== QUESTION) {
        this.check(bytes, i, lt);
        this.mode = TAG;
        return lt + 1;
      }
    }
    const lt = bytes.indexOf(LT, i);
    if (lt === -1) {
      this.appendDecoded(bytes, i, n);
      return n;
    }
    this.appendDecoded(bytes, i, lt);
    this.flushEntity();
    this.mode = MARKUP;
    return lt + 1;
  }

  private markup(bytes: Buffer, i: number): number {
    const b = bytes[i];
    if (b === BANG) {
      this.mode = BANG_OPEN;
      this.opened = '';
      return i + 1;
    }
    if (b === QUESTION) {
      this.mode = INSTRUCTION;
      this.marks = 0;
      return i + 1;
    }
    this.endText();
    this.mode = TAG;
    return i;
  }

  private tag(bytes: Buffer, i: number): number {
    const n = bytes.length;
    for (; i < n; i += 1) {
      const b = bytes[i];
      if (b === GT) {
        this.mode = TEXT;
        return i + 1;
      }
      if (b === QUOTE || b === APOS) {
        this.quote = b;
        this.mode = ATTRIBUTE;
        return i + 1;
      }
    }
    return n;
  }

  /** An attribute value: read in place when it is short, plain and ends in this chunk. */
  private attribute(bytes: Buffer, i: number): number {
    const n = bytes.length;
    const quote = this.quote;
    if (!this.carrying) {
      const limit = Math.min(n, i + LOOPED);
      let close = i;
      while (close < limit && bytes[close] !== quote && bytes[close] !== AMP) close += 1;
      if (close < limit && bytes[close] === quote) {
        this.check(bytes, i, close);
        this.mode = TAG;
        return close + 1;
      }
    }
    const close = bytes.indexOf(quote, i);
    if (close === -1) {
      this.appendDecoded(bytes, i, n);
      return n;
    }
    this.appendDecoded(bytes, i, close);
    this.endText();
    this.mode = TAG;
    return close + 1;
  }

  private bang(bytes: Buffer, i: number): number {
    const opened = this.opened + String.fromCharCode(bytes[i]!);
    if ('--'.startsWith(opened)) {
      if (opened.length === 2) {
        this.mode = COMMENT;
        this.marks = 0;
      } else this.opened = opened;
      return i + 1;
    }
    if ('[CDATA['.startsWith(opened)) {
      if (opened.length === 7) {
        this.mode = CDATA;
        this.marks = 0;
      } else this.opened = opened;
      return i + 1;
    }
    this.endText();
    this.mode = DECLARATION;
    this.marks = 0;
    return i;
  }

  /** A comment (`-->`, marks 2) or an instruction (`?>`, marks 1): to the `>` with enough `mark` bytes before it. */
  private closedBy(bytes: Buffer, i: number, mark: number, marks: number): number {
    const n = bytes.length;
    const gt = bytes.indexOf(GT, i);
    const to = gt === -1 ? n : gt;
    let k = to;
    while (k > i && to - k < marks && bytes[k - 1] === mark) k -= 1;
    const before = k === i ? Math.min(marks, to - k + this.marks) : to - k;
    if (gt === -1) {
      this.marks = before;
      return n;
    }
    if (before >= marks) this.mode = TEXT;
    this.marks = 0;
    return gt + 1;
  }

  private cdata(bytes: Buffer, i: number): number {
    const n = bytes.length;
    while (i < n) {
      if (this.marks === 0) {
        const bracket = bytes.indexOf(RBRACKET, i);
        const to = bracket === -1 ? n : bracket;
        this.append(bytes, i, to);
        if (bracket === -1) return n;
        this.marks = 1;
        i = bracket + 1;
        continue;
      }
      const b = bytes[i];
      if (b === RBRACKET) {
        if (this.marks === 2) this.push(RBRACKET);
        this.marks = 2;
        i += 1;
      } else if (b === GT && this.marks === 2) {
        this.marks = 0;
        this.mode = TEXT;
        return i + 1;
      } else {
        for (; this.marks > 0; this.marks -= 1) this.push(RBRACKET);
      }
    }
    return n;
  }

  private declaration(bytes: Buffer, i: number): number {
    const n = bytes.length;
    for (; i < n; i += 1) {
      const b = bytes[i];
      if (b === LBRACKET) this.marks += 1;
      else if (b === RBRACKET && this.marks > 0) this.marks -= 1;
      else if (b === GT && this.marks === 0) {
        this.mode = TEXT;
        return i + 1;
      }
    }
    return n;
  }

  /** Adds bytes[start, end) to the carried value, entities decoded (one may be cut by the chunk). */
  private appendDecoded(bytes: Buffer, start: number, end: number): void {
    while (start < end) {
      if (this.entity !== undefined) {
        const b = bytes[start]!;
        if (b === SEMICOLON) {
          this.decodeEntity(this.entity);
          this.entity = undefined;
          start += 1;
        } else if (ENTITY_NAME[b] === 1 && this.entity.length < LONGEST_ENTITY) {
          this.entity += String.fromCharCode(b);
          start += 1;
        } else {
          this.flushEntity();
        }
        continue;
      }
      const amp = this.plain(bytes, start, end) ? end : this.nextAmp;
      this.append(bytes, start, amp);
      if (amp === end) return;
      this.entity = '';
      start = amp + 1;
    }
  }

  private decodeEntity(name: string): void {
    let cp = NAMED_ENTITIES[name];
    if (cp === undefined && name.startsWith('#')) {
      const digits = name[1] === 'x' || name[1] === 'X' ? name.slice(2) : name.slice(1);
      const hex = digits.length !== name.length - 1;
      const valid = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
      const value = valid ? parseInt(digits, hex ? 16 : 10) : -1;
      if (value >= 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff)) cp = value;
    }
    if (cp !== undefined) this.pushCodePoint(cp);
    else this.pushRaw(`&${name};`);
  }

  /** An `&` that began no entity is content, with what followed it. */
  private flushEntity(): void {
    if (this.entity === undefined) return;
    const name = this.entity;
    this.entity = undefined;
    this.pushRaw(`&${name}`);
  }

  private pushRaw(text: string): void {
    for (let k = 0; k < text.length; k += 1) this.push(text.charCodeAt(k));
  }

  private endText(): void {
    this.flushEntity();
    this.endValue();
  }

  protected finish(): void {
    this.endText();
    this.mode = TEXT;
  }
}

/** Which roster students the returned files mention: one per package build. */
export class RosterMatch {
  private readonly seen: Seen;

  private readonly kernel: ScanKernel;

  /** `memory`: shared memory whose start the caller keeps (the match thread's ring: roster-match-thread.ts). */
  constructor(
    private readonly keys: RosterKeys,
    memory?: KernelMemory,
  ) {
    const bits = Seen.bitsFor(keys);
    this.kernel = new ScanKernel(keys.shapes, keys.maxLength, 1 << bits, 32 - bits, memory);
    this.seen = new Seen(keys, bits, this.kernel.filterWords);
  }

  /** A scanner for one file, or undefined when its format is not scanned. Feed it every chunk, then end(). */
  scannerFor(fileName: string): ValueScanner | undefined {
    const format = scannedFormatOf(fileName);
    return format && this.scannerOf(format);
  }

  /** A scanner for one file of a format that is scanned. */
  scannerOf(format: ScannedFormat): ValueScanner {
    switch (format) {
      case 'csv':
        return new CsvScanner(this.keys, this.seen, this.kernel);
      case 'json':
      case 'jsonl':
        return new JsonScanner(this.keys, this.seen, this.kernel);
      case 'xml':
        return new XmlScanner(this.keys, this.seen, this.kernel);
    }
  }

  /** How many distinct students were seen so far. */
  returned(): number {
    return this.seen.count;
  }

  /** The indices of the students not seen, ascending. */
  missing(): number[] {
    const missing: number[] = [];
    this.seen.flags.forEach((flag, student) => {
      if (flag === 0) missing.push(student);
    });
    return missing;
  }
}
