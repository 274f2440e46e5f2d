// Reads the few named files out of a small ZIP held in memory: a OneRoster set (users.csv, roles.csv, …) as a
// district's student information system exports it. Not for returned data, which is never unpacked here: a
// return's ZIP is screened as it streams in (infra/storage/upload-screening.ts) and kept as it came.
import zlib from 'node:zlib';
import { METHOD_DEFLATED, METHOD_STORED } from './zip-records';

export class ZipReadError extends Error {
  override name = 'ZipReadError';
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export const isZip = (bytes: Uint8Array): boolean =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/**
 * The files of `zip` whose names (in any folder, compared case-insensitively) are in `wanted`, by that lower-cased
 * name. Each file is inflated up to `maxBytes`: an archive that would expand further is refused, not unpacked.
 */
export function readZipFiles(zip: Buffer, wanted: readonly string[], maxBytes: number): Map<string, Buffer> {
  const names = new Set(wanted.map((w) => w.toLowerCase()));
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i -= 1) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end === -1) throw new ZipReadError('it is not a whole ZIP (its end record is missing)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const found = new Map<string, Buffer>();
  for (let k = 0; k < count; k += 1) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL)
      throw new ZipReadError('its central directory is damaged');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const path = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
    if (!names.has(base) || found.has(base)) continue;
    if (size > maxBytes) throw new ZipReadError(`${path} would unpack to more than ${maxBytes} bytes`);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL)
      throw new ZipReadError(`${path}: its entry is damaged`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    if (method === METHOD_STORED) found.set(base, Buffer.from(data));
    else if (method === METHOD_DEFLATED) {
      try {
        found.set(base, zlib.inflateRawSync(data, { maxOutputLength: maxBytes }));
      } catch (err) {
        throw new ZipReadError(`${path} does not unpack: ${(err as Error).message}`);
      }
    } else throw new ZipReadError(`${path} is compressed with a method other than deflate (${method})`);
  }
  return found;
}
