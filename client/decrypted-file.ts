// Writes returned student data out of the encrypted store for a person (`package get`, `package open`).
import crypto from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DispositionError } from '../domain/errors';
import { writeWholeFile } from '../infra/package/whole-file';

/**
 * Streams `stages` (a source, then e.g. the decryption) to `file` and returns the SHA-256 of what was
 * written. `file` appears only once every frame has authenticated and, with `expectedSha256`, the hash
 * agrees: a package altered halfway never leaves half a ZIP where a lawyer expects the real one.
 */
export function writeDecryptedFile(
  stages: [Readable, ...Transform[]],
  file: string,
  expectedSha256?: string,
): Promise<string> {
  return writeWholeFile(file, async (out) => {
    const hash = crypto.createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline([...stages, hashing, out]);
    const sha256 = hash.digest('hex');
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      throw new DispositionError(
        'internal',
        `the package reads back with SHA-256 ${sha256}, not the recorded ${expectedSha256}`,
      );
    }
    return sha256;
  });
}
