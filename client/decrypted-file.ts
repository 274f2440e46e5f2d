// Writes returned student data out of the encrypted store for a person (`package get`, `package open`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DispositionError } from '../domain/errors';

/**
 * Streams `stages` (a source, then e.g. the decryption) to `file` and returns the SHA-256 of what was written. The bytes go to a file
 * beside it first, readable by its owner only (student data), and take `file`'s name only once every frame
 * has authenticated and, with `expectedSha256`, the hash agrees: a package altered halfway never leaves half a
 * ZIP where a lawyer expects the real one, and whatever was at `file` before stays untouched.
 */
export async function writeDecryptedFile(stages: [Readable, ...Transform[]], file: string, expectedSha256?: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
  try {
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline([...stages, hashing, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 })]);
    const sha256 = hash.digest('hex');
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      throw new DispositionError('internal', `the package reads back with SHA-256 ${sha256}, not the recorded ${expectedSha256}`);
    }
    await fsp.rename(partial, file);
    return sha256;
  } catch (err) {
    await fsp.rm(partial, { force: true });
    throw err;
  }
}
