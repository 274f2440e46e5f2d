// Screening an upload as it streams past (7400.1 I.C): content that contradicts its declared type or name,
// and archives that would explode when the district opens them (ZIP and gzip bombs), are refused.
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

export class UploadRefusedError extends Error {
  override name = 'UploadRefusedError';
}

type Kind = 'pdf' | 'zip' | 'gzip' | 'png' | 'jpeg' | 'executable' | 'other';

/** An archive may expand this many times, and past this size, before it counts as a bomb. */
export const MAX_EXPANSION_RATIO = 100;
export const EXPANSION_FLOOR = 64 * 1024 * 1024;
/** The end of a ZIP kept to read its directory: about 180,000 entries' worth. */
const TAIL = 16 * 1024 * 1024;

function sniff(head: Buffer): Kind {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x4d, 0x5a) || starts(0x7f, 0x45, 0x4c, 0x46)) return 'executable';
  return 'other';
}

const BY_TYPE: Record<string, Kind> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/gzip': 'gzip',
  'application/x-gzip': 'gzip',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
};
const BY_EXTENSION: Record<string, Kind> = {
  pdf: 'pdf',
  zip: 'zip',
  gz: 'gzip',
  tgz: 'gzip',
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
};
const TEXT_EXTENSIONS = new Set(['csv', 'jsonl', 'ndjson', 'json', 'txt', 'xml', 'tsv']);
const BINARY_KINDS: Kind[] = ['pdf', 'zip', 'gzip', 'png', 'jpeg', 'executable'];

function checkDeclared(kind: Kind, name: string, declaredType: string | undefined): void {
  const type = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const expected = BY_TYPE[type] ?? BY_EXTENSION[extension];
  if (expected && kind !== expected)
    throw new UploadRefusedError(
      `"${name}" is declared as ${expected.toUpperCase()} but its content is ${kind === 'other' ? 'something else' : kind.toUpperCase()}`,
    );
  const textual = type.startsWith('text/') || type === 'application/json' || TEXT_EXTENSIONS.has(extension);
  if (textual && BINARY_KINDS.includes(kind))
    throw new UploadRefusedError(`"${name}" is declared as text but its content is ${kind.toUpperCase()}`);
}

/** The bytes the sniffing looks at: every signature we know fits in them. */
const HEAD = 16;

/** The ZIP64 end record's entry count, directory size and offset, from the locator just before the classic end record. */
function zip64Directory(
  tail: Buffer,
  eocd: number,
): { entries: number; size: number; offset: number; end: number } | undefined {
  const locator = eocd - 20;
  if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) return undefined;
  const record = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]), locator);
  if (record < 0 || record + 56 > locator) return undefined;
  return {
    entries: Number(tail.readBigUInt64LE(record + 32)),
    size: Number(tail.readBigUInt64LE(record + 40)),
    offset: Number(tail.readBigUInt64LE(record + 48)),
    end: record,
  };
}

/**
 * An entry that unzips outside the folder it is unzipped into (issue 26 item 13): a `..` step, an absolute path,
 * a drive letter, or a backslash (a separator on Windows, so `..\\x` climbs there).
 */
const escapesFolder = (entry: string): boolean =>
  entry.startsWith('/') || entry.includes('\\') || /^[A-Za-z]:/.test(entry) || entry.split('/').includes('..');

/** An entry's uncompressed size, from its ZIP64 extra field when the 32-bit one says "see there". */
function uncompressedSize(tail: Buffer, offset: number): number {
  const size = tail.readUInt32LE(offset + 24);
  if (size !== 0xffffffff) return size;
  const nameLength = tail.readUInt16LE(offset + 28);
  let extra = offset + 46 + nameLength;
  const end = extra + tail.readUInt16LE(offset + 30);
  while (extra + 4 <= end && extra + 4 <= tail.length) {
    const id = tail.readUInt16LE(extra);
    const length = tail.readUInt16LE(extra + 2);
    if (id === 0x0001 && extra + 12 <= tail.length) return Number(tail.readBigUInt64LE(extra + 4));
    extra += 4 + length;
  }
  return Number.MAX_SAFE_INTEGER; // says it is huge and will not say how huge
}

/**
 * Reads the ZIP's central directory from the end of the file, by the size and offset its end record gives, entry
 * after entry to the directory's end: what the end record (or a ZIP64 end record) says must agree with what is
 * there, so an archive cannot hide an entry from the count (a bomb behind an end record that says "1 entry").
 * Refuses what would expand beyond reason, entries that overlap or unzip outside their folder, and a directory it
 * cannot read whole (one larger than the 16 MiB kept of the end cannot be judged, so it is not let through
 * unjudged).
 */
function checkZipDirectory(tail: Buffer, fileBytes: number, name: string): void {
  const crafted = (what: string): UploadRefusedError =>
    new UploadRefusedError(`"${name}" is a ZIP whose ${what}: it is damaged or crafted`);
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > tail.length)
    throw new UploadRefusedError(
      `"${name}" starts as a ZIP but has no directory at its end: it is damaged or not a ZIP`,
    );
  // The end record and its comment end the file: a signature found inside a comment is not the end record.
  if (eocd + 22 + tail.readUInt16LE(eocd + 20) !== tail.length) throw crafted('end record is not at its end');
  let entries = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  let directoryEnd = eocd;
  const zip64 = zip64Directory(tail, eocd);
  if (zip64) {
    // Where the classic record gives a value rather than "see the ZIP64 record", the two must agree.
    if (
      (entries !== 0xffff && entries !== zip64.entries) ||
      (directorySize !== 0xffffffff && directorySize !== zip64.size) ||
      (directoryOffset !== 0xffffffff && directoryOffset !== zip64.offset)
    )
      throw crafted('two end records disagree');
    ({ entries, size: directorySize, offset: directoryOffset, end: directoryEnd } = zip64);
  }
  const start = directoryEnd - directorySize;
  if (start < 0)
    throw new UploadRefusedError(
      `"${name}" is a ZIP whose directory (${entries} entries, ${directorySize} bytes) is too large to check; split it into smaller archives`,
    );
  if (fileBytes - (tail.length - start) !== directoryOffset)
    throw crafted(`end record places its directory at byte ${directoryOffset}, not where it is`);
  let offset = start;
  let expanded = 0;
  let counted = 0;
  const localHeaders = new Set<number>();
  while (offset < directoryEnd) {
    if (offset + 46 > directoryEnd || tail.readUInt32LE(offset) !== 0x02014b50)
      throw crafted(`directory does not read whole (entry ${counted + 1})`);
    counted += 1;
    const nameLength = tail.readUInt16LE(offset + 28);
    const entry = tail.toString('utf8', offset + 46, Math.min(offset + 46 + nameLength, directoryEnd));
    if (escapesFolder(entry))
      throw new UploadRefusedError(
        `"${name}" is a ZIP holding an entry named "${entry.slice(0, 200)}", which would unzip outside its folder (a ".." step, an absolute path, a drive letter or a backslash): rename the entries and upload the archive again`,
      );
    const uncompressed = uncompressedSize(tail, offset);
    const local = tail.readUInt32LE(offset + 42);
    // Many entries pointing at one set of bytes: the overlapping-file bomb.
    if (localHeaders.has(local)) throw new UploadRefusedError(`"${name}" is a ZIP whose entries overlap (a ZIP bomb)`);
    localHeaders.add(local);
    expanded += uncompressed;
    offset += 46 + nameLength + tail.readUInt16LE(offset + 30) + tail.readUInt16LE(offset + 32);
  }
  if (offset !== directoryEnd) throw crafted('directory runs past its end');
  if (counted !== entries) throw crafted(`directory claims ${entries} entries but holds ${counted}`);
  if (expanded > EXPANSION_FLOOR && expanded > fileBytes * MAX_EXPANSION_RATIO) {
    throw new UploadRefusedError(
      `"${name}" is a ZIP that expands ${Math.round(expanded / Math.max(fileBytes, 1))} times, to ${expanded} bytes (a ZIP bomb)`,
    );
  }
}

export function createUploadScreen(name: string, declaredType?: string): Transform {
  let kind: Kind | undefined;
  // The first bytes are held until there are enough to judge: a client that sends one byte at a time (or a
  // first write of one byte) must not pass as whatever one byte looks like.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let seen = 0;
  // The last TAIL bytes of a ZIP, as the chunks that hold them (joined once, at the end).
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let inflater: zlib.Gunzip | undefined;
  let inflated = 0;
  let bomb: UploadRefusedError | undefined;

  /** Sniffs the head and checks it against the declared type; a gzip gets an inflater that counts its expansion. */
  const judge = (head: Buffer): Error | undefined => {
    kind = sniff(head);
    try {
      checkDeclared(kind, name, declaredType);
    } catch (err) {
      return err as Error;
    }
    if (kind === 'gzip') {
      inflater = zlib.createGunzip();
      inflater.on('data', (out: Buffer) => {
        inflated += out.length;
        if (!bomb && inflated > EXPANSION_FLOOR && inflated > seen * MAX_EXPANSION_RATIO) {
          bomb = new UploadRefusedError(
            `"${name}" is gzip that expands more than ${MAX_EXPANSION_RATIO} times (a gzip bomb)`,
          );
          inflater!.destroy();
        }
      });
      inflater.on('error', () => undefined); // a damaged gzip is the district's to judge, not a bomb
    }
    return undefined;
  };

  /** Passes screened bytes on, once the inflater (for gzip) has had its say about them. */
  const pass = (chunk: Buffer, callback: TransformCallback): void => {
    seen += chunk.length;
    if (kind === 'zip') {
      tail.push(chunk);
      tailBytes += chunk.length;
      while (tail.length > 1 && tailBytes - tail[0]!.length >= TAIL) tailBytes -= tail.shift()!.length;
    }
    if (inflater && !inflater.destroyed && !inflater.write(chunk)) {
      let answered = false;
      const answer = (): void => {
        if (answered) return;
        answered = true;
        callback(bomb ?? null, bomb ? undefined : chunk);
      };
      inflater.once('drain', answer);
      inflater.once('close', answer);
      return;
    }
    callback(bomb ?? null, chunk);
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (bomb) return callback(bomb);
      if (kind !== undefined) return pass(chunk, callback);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes < HEAD) return callback();
      const head = Buffer.concat(held);
      held = [];
      const refused = judge(head);
      return refused ? callback(refused) : pass(head, callback);
    },
    flush(callback) {
      if (bomb) return callback(bomb);
      if (kind === undefined) {
        // A file shorter than the head: judge what there is.
        const head = Buffer.concat(held);
        held = [];
        const refused = judge(head);
        if (refused) return callback(refused);
        return pass(head, (err, data) => {
          if (err) return callback(err);
          if (data) this.push(data);
          finish(callback);
        });
      }
      finish(callback);
    },
  });

  function finish(callback: TransformCallback): void {
    if (bomb) return callback(bomb);
    try {
      if (kind === 'zip') checkZipDirectory(Buffer.concat(tail).subarray(-TAIL), seen, name);
    } catch (err) {
      return callback(err as Error);
    }
    if (inflater && !inflater.destroyed) {
      inflater.end(() => callback(bomb ?? null));
      return;
    }
    callback(bomb ?? null);
  }
}
