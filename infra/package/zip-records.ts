// The byte layout of a ZIP file (PKWARE APPNOTE 6.3.x): local headers, data descriptors, central directory
// headers and the end records, ZIP64 included. Pure functions: the same fields always give the same bytes.

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

/** A 32-bit size or offset field that holds this value says "see the ZIP64 extra field". */
export const ZIP64_MARK = 0xffffffff;
const ZIP64_ENTRIES_MARK = 0xffff;

const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8_NAME = 1 << 11;
const VERSION_PLAIN = 20; // deflate, folders
const VERSION_ZIP64 = 45;
const MADE_BY_UNIX = 3 << 8;
/** A regular file, rw-r--r--, in the Unix mode bits unzip restores. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;

const EXTENDED_TIMESTAMP = 0x5455;
const ZIP64_EXTRA = 0x0001;

export interface EntryName {
  name: Buffer;
  utf8: boolean;
}

export function entryName(path: string): EntryName {
  // Bit 11 tells readers the name is UTF-8 rather than CP437; plain ASCII reads the same either way.
  return { name: Buffer.from(path, 'utf8'), utf8: !/^[\x20-\x7e]*$/.test(path) };
}

/** MS-DOS date and time from the UTC fields (two-second steps), clamped to what the format can hold. */
export function dosDateTime(ms: number): { date: number; time: number } {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1980) return { date: (1 << 5) | 1, time: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 };
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

/** Zeroed bytes from the shared pool: headers are small and there is one per entry. */
const zeroed = (length: number): Buffer => Buffer.allocUnsafe(length).fill(0);

/** Seconds for the Info-ZIP extended timestamp (0x5455), or undefined when it cannot hold the time. */
function unixSeconds(ms: number): number | undefined {
  const seconds = Math.floor(ms / 1000);
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= 0x7fffffff ? seconds : undefined;
}

/**
 * Writes the extra fields at `at`: the extended timestamp (the exact modification time, UTC, which the DOS
 * fields cannot hold) and, when given, a ZIP64 field with `wide` values. Returns the length written, or only
 * measures when `out` is undefined.
 */
function writeExtras(
  out: Buffer | undefined,
  at: number,
  seconds: number | undefined,
  wide: number[] | undefined,
): number {
  let length = 0;
  if (seconds !== undefined) {
    if (out) {
      out.writeUInt16LE(EXTENDED_TIMESTAMP, at);
      out.writeUInt16LE(5, at + 2);
      out[at + 4] = 1; // modification time present
      out.writeUInt32LE(seconds, at + 5);
    }
    length += 9;
  }
  if (wide) {
    if (out) {
      out.writeUInt16LE(ZIP64_EXTRA, at + length);
      out.writeUInt16LE(8 * wide.length, at + length + 2);
      wide.forEach((value, i) => out.writeBigUInt64LE(BigInt(value), at + length + 4 + 8 * i));
    }
    length += 4 + 8 * wide.length;
  }
  return length;
}

export interface LocalEntry extends EntryName {
  method: number;
  mtime: number;
  /** Known up front when the whole entry is in memory; otherwise a data descriptor follows the data. */
  sizes?: { crc32: number; compressedSize: number; size: number };
  /** Sizes may pass 4 GiB: the local header carries a ZIP64 field and the descriptor 8-byte sizes. */
  zip64: boolean;
}

export function localHeader(entry: LocalEntry): Buffer {
  const { date, time } = dosDateTime(entry.mtime);
  const seconds = unixSeconds(entry.mtime);
  const wide = entry.zip64 ? [entry.sizes?.size ?? 0, entry.sizes?.compressedSize ?? 0] : undefined;
  const extraLength = writeExtras(undefined, 0, seconds, wide);
  const head = zeroed(30 + entry.name.length + extraLength);
  head.writeUInt32LE(0x04034b50, 0);
  head.writeUInt16LE(entry.zip64 ? VERSION_ZIP64 : VERSION_PLAIN, 4);
  head.writeUInt16LE((entry.sizes ? 0 : FLAG_DATA_DESCRIPTOR) | (entry.utf8 ? FLAG_UTF8_NAME : 0), 6);
  head.writeUInt16LE(entry.method, 8);
  head.writeUInt16LE(time, 10);
  head.writeUInt16LE(date, 12);
  if (entry.sizes) {
    head.writeUInt32LE(entry.sizes.crc32, 14);
    head.writeUInt32LE(entry.zip64 ? ZIP64_MARK : entry.sizes.compressedSize, 18);
    head.writeUInt32LE(entry.zip64 ? ZIP64_MARK : entry.sizes.size, 22);
  } else if (entry.zip64) {
    head.writeUInt32LE(ZIP64_MARK, 18);
    head.writeUInt32LE(ZIP64_MARK, 22);
  }
  head.writeUInt16LE(entry.name.length, 26);
  head.writeUInt16LE(extraLength, 28);
  entry.name.copy(head, 30);
  writeExtras(head, 30 + entry.name.length, seconds, wide);
  return head;
}

export function dataDescriptor(sizes: { crc32: number; compressedSize: number; size: number }, zip64: boolean): Buffer {
  const out = zeroed(zip64 ? 24 : 16);
  out.writeUInt32LE(0x08074b50, 0);
  out.writeUInt32LE(sizes.crc32, 4);
  if (zip64) {
    out.writeBigUInt64LE(BigInt(sizes.compressedSize), 8);
    out.writeBigUInt64LE(BigInt(sizes.size), 16);
  } else {
    out.writeUInt32LE(sizes.compressedSize, 8);
    out.writeUInt32LE(sizes.size, 12);
  }
  return out;
}

export interface CentralEntry extends LocalEntry {
  sizes: { crc32: number; compressedSize: number; size: number };
  offset: number;
  /** The local header left its sizes to a data descriptor: the flags here say so too. */
  descriptor: boolean;
}

export function centralHeader(entry: CentralEntry): Buffer {
  const { date, time } = dosDateTime(entry.mtime);
  const { crc32, compressedSize, size } = entry.sizes;
  const seconds = unixSeconds(entry.mtime);
  // An entry whose local header announced ZIP64 keeps both sizes in its ZIP64 field here too.
  const bigSize = entry.zip64 || size >= ZIP64_MARK;
  const bigCompressed = entry.zip64 || compressedSize >= ZIP64_MARK;
  const bigOffset = entry.offset >= ZIP64_MARK;
  const wide = [
    ...(bigSize ? [size] : []),
    ...(bigCompressed ? [compressedSize] : []),
    ...(bigOffset ? [entry.offset] : []),
  ];
  const extraLength = writeExtras(undefined, 0, seconds, wide.length ? wide : undefined);
  const head = zeroed(46 + entry.name.length + extraLength);
  head.writeUInt32LE(0x02014b50, 0);
  head.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 4);
  head.writeUInt16LE(wide.length ? VERSION_ZIP64 : VERSION_PLAIN, 6);
  head.writeUInt16LE((entry.descriptor ? FLAG_DATA_DESCRIPTOR : 0) | (entry.utf8 ? FLAG_UTF8_NAME : 0), 8);
  head.writeUInt16LE(entry.method, 10);
  head.writeUInt16LE(time, 12);
  head.writeUInt16LE(date, 14);
  head.writeUInt32LE(crc32, 16);
  head.writeUInt32LE(bigCompressed ? ZIP64_MARK : compressedSize, 20);
  head.writeUInt32LE(bigSize ? ZIP64_MARK : size, 24);
  head.writeUInt16LE(entry.name.length, 28);
  head.writeUInt16LE(extraLength, 30);
  // comment length, disk number start, internal attributes: 0
  head.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
  head.writeUInt32LE(bigOffset ? ZIP64_MARK : entry.offset, 42);
  entry.name.copy(head, 46);
  writeExtras(head, 46 + entry.name.length, seconds, wide.length ? wide : undefined);
  return head;
}

/** The end of central directory record, preceded by the ZIP64 record and locator when a count or offset overflows. */
export function endRecords(directory: { entries: number; offset: number; size: number }): Buffer {
  const { entries, offset, size } = directory;
  const parts: Buffer[] = [];
  const zip64 = entries >= ZIP64_ENTRIES_MARK || offset >= ZIP64_MARK || size >= ZIP64_MARK;
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(MADE_BY_UNIX | VERSION_ZIP64, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    // this disk, disk of the central directory: 0
    record.writeBigUInt64LE(BigInt(entries), 24);
    record.writeBigUInt64LE(BigInt(entries), 32);
    record.writeBigUInt64LE(BigInt(size), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + size), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries, ZIP64_ENTRIES_MARK), 8);
  end.writeUInt16LE(Math.min(entries, ZIP64_ENTRIES_MARK), 10);
  end.writeUInt32LE(Math.min(size, ZIP64_MARK), 12);
  end.writeUInt32LE(Math.min(offset, ZIP64_MARK), 16);
  parts.push(end);
  return Buffer.concat(parts);
}
