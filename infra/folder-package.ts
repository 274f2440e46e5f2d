// The encrypted return package of a folder (a return delivered on a drive, say): the same packaging path as
// a case's, for `disposition package build` and for bench/package.ts, which times it against `zip`.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from './encryption-at-rest';
import type { Keyring } from './keys';
import { writeReturnPackage, type PackageEntry } from './return-package';

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) found.push(relative);
  }
  return found;
}

const READ_CHUNK = 64 * 1024;

/**
 * One file of the folder. A class rather than an object literal with an `open` closure: a folder of 80,000
 * files is held for the whole run, and this keeps each entry to an object and its relative path.
 */
class FolderFile implements PackageEntry {
  readonly category = '';
  readonly name: string;
  constructor(private readonly root: string, readonly fileId: string, readonly bytes: number, readonly stagedAt: number) {
    this.name = path.sep === '/' ? fileId : fileId.split(path.sep).join('/');
  }

  /**
   * Reads exactly the bytes the listing found, in chunks no larger than needed: Node's default (64 KiB
   * buffers, shrunk by a copy, and one more read to find the end) costs a small file three allocations and
   * an extra trip to the thread pool, and a return is mostly small files.
   */
  open(): Readable {
    const file = path.join(this.root, this.fileId);
    if (this.bytes === 0) return fs.createReadStream(file);
    return fs.createReadStream(file, { start: 0, end: this.bytes - 1, highWaterMark: Math.min(this.bytes, READ_CHUNK) });
  }
}

/** Every file below `dir`, by its relative path, with its modification time (whole seconds) as the entry time. */
export async function packageFolder(dir: string, outFile: string, keyring: Keyring): Promise<{ files: number; zipBytes: number; zipSha256: string }> {
  const root = path.resolve(dir);
  const entries: FolderFile[] = [];
  for (const relative of await listFiles(root)) {
    const stat = await fsp.stat(path.join(root, relative));
    entries.push(new FolderFile(root, relative, stat.size, Math.floor(stat.mtimeMs / 1000) * 1000));
  }
  const encrypt = createEncryptStream(keyring);
  const written = pipeline(encrypt, fs.createWriteStream(outFile, { mode: 0o600 }));
  const built = await writeReturnPackage(entries, encrypt);
  await written;
  return { files: entries.length, zipBytes: built.zipBytes, zipSha256: built.zipSha256 };
}
