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
const TAIL = 1024 * 1024;

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
  'application/pdf': 'pdf', 'application/zip': 'zip', 'application/x-zip-compressed': 'zip', 'application/gzip': 'gzip',
  'application/x-gzip': 'gzip', 'image/png': 'png', 'image/jpeg': 'jpeg',
};
const BY_EXTENSION: Record<string, Kind> = { pdf: 'pdf', zip: 'zip', gz: 'gzip', tgz: 'gzip', png: 'png', jpg: 'jpeg', jpeg: 'jpeg' };
const TEXT_EXTENSIONS = new Set(['csv', 'jsonl', 'ndjson', 'json', 'txt', 'xml', 'tsv']);
const BINARY_KINDS: Kind[] = ['pdf', 'zip', 'gzip', 'png', 'jpeg', 'executable'];

function checkDeclared(kind: Kind, name: string, declaredType: string | undefined): void {
  const type = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const expected = BY_TYPE[type] ?? BY_EXTENSION[extension];
  if (expected && kind !== expected) throw new UploadRefusedError(`"${name}" is declared as ${expected.toUpperCase()} but its content is ${kind === 'other' ? 'something else' : kind.toUpperCase()}`);
  const textual = type.startsWith('text/') || type === 'application/json' || TEXT_EXTENSIONS.has(extension);
  if (textual && BINARY_KINDS.includes(kind)) throw new UploadRefusedError(`"${name}" is declared as text but its content is ${kind.toUpperCase()}`);
}

/** Reads the ZIP's central directory from the end of the file; refuses what would expand beyond reason. */
function checkZipDirectory(tail: Buffer, fileBytes: number, name: string): void {
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > tail.length) return; // no directory in reach: nothing to judge
  const entries = tail.readUInt16LE(eocd + 10);
  const directorySize = tail.readUInt32LE(eocd + 12);
  const start = eocd - directorySize;
  if (entries === 0xffff || directorySize === 0xffffffff || start < 0) return; // ZIP64 or too large to see here
  let offset = start;
  let expanded = 0;
  const localHeaders = new Set<number>();
  for (let i = 0; i < entries && offset + 46 <= eocd; i += 1) {
    if (tail.readUInt32LE(offset) !== 0x02014b50) break;
    const uncompressed = tail.readUInt32LE(offset + 24);
    const local = tail.readUInt32LE(offset + 42);
    // Many entries pointing at one set of bytes: the overlapping-file bomb.
    if (localHeaders.has(local)) throw new UploadRefusedError(`"${name}" is a ZIP whose entries overlap (a ZIP bomb)`);
    localHeaders.add(local);
    expanded += uncompressed;
    offset += 46 + tail.readUInt16LE(offset + 28) + tail.readUInt16LE(offset + 30) + tail.readUInt16LE(offset + 32);
  }
  if (expanded > EXPANSION_FLOOR && expanded > fileBytes * MAX_EXPANSION_RATIO) {
    throw new UploadRefusedError(`"${name}" is a ZIP that expands ${Math.round(expanded / Math.max(fileBytes, 1))} times, to ${expanded} bytes (a ZIP bomb)`);
  }
}

export function createUploadScreen(name: string, declaredType?: string): Transform {
  let kind: Kind | undefined;
  let seen = 0;
  let tail: Buffer = Buffer.alloc(0);
  let inflater: zlib.Gunzip | undefined;
  let inflated = 0;
  let bomb: UploadRefusedError | undefined;

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (bomb) return callback(bomb);
      if (kind === undefined) {
        kind = sniff(chunk);
        try {
          checkDeclared(kind, name, declaredType);
        } catch (err) {
          return callback(err as Error);
        }
        if (kind === 'gzip') {
          inflater = zlib.createGunzip();
          inflater.on('data', (out: Buffer) => {
            inflated += out.length;
            if (!bomb && inflated > EXPANSION_FLOOR && inflated > seen * MAX_EXPANSION_RATIO) {
              bomb = new UploadRefusedError(`"${name}" is gzip that expands more than ${MAX_EXPANSION_RATIO} times (a gzip bomb)`);
              inflater!.destroy();
            }
          });
          inflater.on('error', () => undefined); // a damaged gzip is the district's to judge, not a bomb
        }
      }
      seen += chunk.length;
      if (kind === 'zip') tail = tail.length + chunk.length > TAIL ? Buffer.concat([tail, chunk]).subarray(-TAIL) : Buffer.concat([tail, chunk]);
      if (inflater && !inflater.destroyed) {
        // Wait for the inflater to catch up, so its verdict comes before the bytes are kept.
        if (!inflater.write(chunk)) {
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
      }
      callback(bomb ?? null, chunk);
    },
    flush(callback) {
      if (bomb) return callback(bomb);
      try {
        if (kind === 'zip') checkZipDirectory(tail, seen, name);
      } catch (err) {
        return callback(err as Error);
      }
      if (inflater && !inflater.destroyed) {
        inflater.end(() => callback(bomb ?? null));
        return;
      }
      callback(bomb ?? null);
    },
  });
}
