// The encrypted return package of a folder (a return delivered on a drive, say): the same packaging path as
// a case's, for `disposition package build` and for bench/package.ts, which times it against `zip`.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from './encryption-at-rest';
import type { Keyring } from './keys';
import { writeReturnPackage } from './return-package';

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) found.push(relative);
  }
  return found;
}

/** Every file below `dir`, by its relative path, with its modification time (whole seconds) as the entry time. */
export async function packageFolder(dir: string, outFile: string, keyring: Keyring): Promise<{ files: number; zipBytes: number; zipSha256: string }> {
  const root = path.resolve(dir);
  const entries = [];
  for (const relative of await listFiles(root)) {
    const full = path.join(root, relative);
    const stat = await fsp.stat(full);
    entries.push({ fileId: relative, category: '', name: relative.split(path.sep).join('/'), bytes: stat.size, stagedAt: Math.floor(stat.mtimeMs / 1000) * 1000, open: () => fs.createReadStream(full) });
  }
  const encrypt = createEncryptStream(keyring);
  const written = pipeline(encrypt, fs.createWriteStream(outFile, { mode: 0o600 }));
  const built = await writeReturnPackage(entries, encrypt);
  await written;
  return { files: entries.length, zipBytes: built.zipBytes, zipSha256: built.zipSha256 };
}
