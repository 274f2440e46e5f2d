// A file a person will take for the real thing (a decrypted return, an encrypted package of a folder) appears
// whole or not at all.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { finished } from 'node:stream/promises';

/**
 * Runs `write` on a new file beside `file`, readable by its owner only (these files hold student data), and
 * gives it `file`'s name only when `write` succeeds. On failure the partial file is removed, and whatever was
 * at `file` before stays untouched.
 */
export async function writeWholeFile<T>(file: string, write: (out: fs.WriteStream) => Promise<T>): Promise<T> {
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
  const out = fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  try {
    const result = await write(out);
    await fsp.rename(partial, file);
    return result;
  } catch (err) {
    // Closed before the removal: a stream still opening would otherwise create the file after it.
    out.destroy();
    await finished(out).catch(() => undefined);
    await fsp.rm(partial, { force: true });
    throw err;
  }
}
