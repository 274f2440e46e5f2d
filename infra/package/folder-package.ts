// The encrypted return package of a folder (a return delivered on a drive, say): the same packaging path as
// a case's, for `disposition package build` and for bench/package.ts, which times it against `zip`.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DispositionError } from '../../domain/errors';
import { createEncryptStream } from '../keys/encryption-at-rest';
import type { Keyring } from '../keys/keys';
import { BLOCK_SIZE } from './block-compressor';
import { writeReturnPackage, type PackageEntries, type PackageEntry } from './return-package';
import { writeWholeFile } from './whole-file';

/** A file of one compression block is read in one trip to the thread pool. */
const READ_CHUNK = BLOCK_SIZE;

/** One file of the folder, made when packaging asks for it: the listing keeps no object per file. */
class FolderFile implements PackageEntry {
  readonly category = '';
  readonly fileId: string;
  constructor(
    private readonly root: string,
    readonly name: string,
    readonly bytes: number,
    readonly stagedAt: number,
  ) {
    this.fileId = path.sep === '/' ? name : name.split('/').join(path.sep);
  }

  /**
   * Reads exactly the bytes the listing found, in chunks no larger than needed: Node's default (64 KiB
   * buffers, shrunk by a copy, and one more read to find the end) costs a small file three allocations and
   * an extra trip to the thread pool, and a return is mostly small files.
   */
  open(): Readable {
    const file = path.join(this.root, this.fileId);
    if (this.bytes === 0) return fs.createReadStream(file);
    return fs.createReadStream(file, {
      start: 0,
      end: this.bytes - 1,
      highWaterMark: Math.min(this.bytes, READ_CHUNK),
    });
  }
}

/**
 * Every file below a folder, in the package's order (by relative path, "/" between folders), held as one
 * UTF-8 buffer of paths and numbers in typed arrays: 100,000 objects and strings held for the whole run
 * would be tens of MiB of V8 heap, which V8 sizes at about twice what is live.
 */
class FolderListing implements PackageEntries<FolderFile> {
  private constructor(
    private readonly root: string,
    private readonly names: Buffer,
    /** Where each name ends in `names`; it starts where the one before ends. */
    private readonly ends: Uint32Array,
    private readonly sizes: Float64Array,
    private readonly mtimes: Float64Array,
  ) {}

  get length(): number {
    return this.ends.length;
  }

  at(index: number): FolderFile | undefined {
    if (!(index >= 0 && index < this.ends.length)) return undefined;
    const start = index === 0 ? 0 : this.ends[index - 1]!;
    return new FolderFile(
      this.root,
      this.names.toString('utf8', start, this.ends[index]),
      this.sizes[index]!,
      this.mtimes[index]!,
    );
  }

  /**
   * Lists and stats every file below `root`, with its modification time (whole seconds) as the entry time.
   * The stats are synchronous: nothing else runs yet, and each stat awaited in turn on the thread pool cost
   * about ten times what the call itself does (a tenth of a 3,000-file package's time on a busy machine).
   */
  static async of(root: string): Promise<FolderListing> {
    const names: string[] = [];
    await collect(root, '', names);
    // The default sort compares UTF-16 code units, as orderEntries does: the listing comes in order.
    names.sort();
    const ends = new Uint32Array(names.length);
    const sizes = new Float64Array(names.length);
    const mtimes = new Float64Array(names.length);
    const joined = Buffer.allocUnsafe(names.reduce((sum, name) => sum + Buffer.byteLength(name), 0));
    let at = 0;
    for (const [i, name] of names.entries()) {
      const stat = fs.statSync(path.join(root, ...name.split('/')));
      sizes[i] = stat.size;
      mtimes[i] = Math.floor(stat.mtimeMs / 1000) * 1000;
      at += joined.write(name, at);
      ends[i] = at;
    }
    return new FolderListing(root, joined, ends, sizes, mtimes);
  }
}

/** Relative paths of the files below `root/prefix`, "/" between folders, appended to `found`. */
async function collect(root: string, prefix: string, found: string[]): Promise<void> {
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await collect(root, relative, found);
    else if (entry.isFile()) found.push(relative);
  }
}

/** Every file below `dir`, by its relative path, with its modification time (whole seconds) as the entry time. */
export async function packageFolder(
  dir: string,
  outFile: string,
  keyring: Keyring,
  options: Pick<Parameters<typeof writeReturnPackage>[2] & object, 'scan'> = {},
): Promise<{ files: number; zipBytes: number; zipSha256: string }> {
  const root = path.resolve(dir);
  const found = await fsp.stat(root).catch(() => undefined);
  if (!found?.isDirectory())
    throw new DispositionError('not_found', `${root}: no such file or directory (a folder to package)`);
  const listing = await FolderListing.of(root);
  // A file unreadable halfway leaves no half package.
  return writeWholeFile(outFile, async (out) => {
    const encrypt = createEncryptStream(keyring);
    const written = pipeline(encrypt, out);
    try {
      const built = await writeReturnPackage(listing, encrypt, options);
      await written;
      return { files: listing.length, zipBytes: built.zipBytes, zipSha256: built.zipSha256 };
    } catch (err) {
      encrypt.destroy();
      await written.catch(() => undefined);
      throw err;
    }
  });
}
