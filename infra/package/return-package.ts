// The return package (7400.1 III.A): the returned files in one ZIP with manifest.json, in a fixed order with
// the staging times, so the same files always give the same bytes and the same SHA-256.
//
// The ZIP is written in one pass by our own writer (zip-writer.ts): files are read and compressed ahead, on
// every core, and written strictly in order; see block-compressor.ts for what is deflated and what stored.
import { Readable, type Writable } from 'node:stream';
import { BlockCompressor } from './block-compressor';
import { EntryReader, ReadAhead, type FileScanner } from './package-entry-reader';
import { ManifestRows, manifestChunks, MANIFEST_FORMAT, type Manifest, type ManifestFile } from './package-manifest';
import { entryName, ZIP64_MARK } from './zip-records';
import { ZipWriter } from './zip-writer';

export type { Manifest, ManifestFile } from './package-manifest';

export interface PackageEntry {
  fileId: string;
  category: string;
  name: string;
  bytes: number;
  /** Known SHA-256 of the content; packaging fails if what is read differs. */
  sha256?: string;
  stagedAt: number;
  open(): Readable;
}

/**
 * The files of a package by index: an array, or a compact listing that makes each entry when asked (a
 * folder of 100,000 files need not be 100,000 objects for the whole run). `at` is called more than once
 * per index.
 */
export interface PackageEntries<T = PackageEntry> {
  readonly length: number;
  at(index: number): T | undefined;
}

export interface BuiltPackage {
  zipSha256: string;
  zipBytes: number;
  /** manifest.json as written: made anew, from what packaging kept compact, each time it is read. */
  readonly manifest: Manifest;
  /** The records counted in each file whose format has them (CSV, JSON Lines), by file id. */
  recordsByFileId(): Map<string, number>;
}

export class PackageContentError extends Error {
  override name = 'PackageContentError';
}

/** Formats that are compressed already: deflating them again costs time and gains nothing. */
const STORED =
  /\.(zip|gz|tgz|bz2|xz|zst|7z|rar|jpe?g|png|gif|webp|heic|mp[34]|m4[av]|mov|avi|mkv|webm|docx|xlsx|pptx|odt|ods)$/i;

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

type Sortable = { fileId: string; category: string; name: string };
const entryOrder = (a: Sortable, b: Sortable): number =>
  byteOrder(a.category, b.category) || byteOrder(a.name, b.name) || byteOrder(a.fileId, b.fileId);

function entryAt<T>(entries: PackageEntries<T>, index: number): T {
  const entry = entries.at(index);
  if (entry === undefined) throw new RangeError(`no package entry at ${index}`);
  return entry;
}

/** The k-th entry of the ZIP and its path there. */
export interface EntryOrder<T> {
  readonly length: number;
  entry(k: number): T;
  /** `entry` when the caller holds the k-th entry already: a listing makes a new one on each `entry(k)`. */
  path(k: number, entry?: T): string;
}

const folderOf = (category: string): string => (category ? `${category}/` : '');

/**
 * Entry order and paths: by category, then name, then file id; clashing names get " (2)", " (3)"…
 * Held as one index per entry (none when the entries come in order already, as a folder listing does) and
 * the few renamed paths, rather than a second list of objects.
 */
export function orderEntries<T extends Sortable>(entries: PackageEntries<T>): EntryOrder<T> {
  const count = entries.length;
  let inOrder = true;
  for (let i = 1, previous = count ? entryAt(entries, 0) : undefined; i < count && inOrder; i += 1) {
    const current = entryAt(entries, i);
    inOrder = entryOrder(previous!, current) <= 0;
    previous = current;
  }
  // Ties keep their input order, as a stable sort of the entries would.
  const order = inOrder
    ? undefined
    : Uint32Array.from({ length: count }, (_, i) => i).sort(
        (a, b) => entryOrder(entryAt(entries, a), entryAt(entries, b)) || a - b,
      );
  const entry = (k: number): T => entryAt(entries, order ? order[k]! : k);

  const renamed = new Map<number, string>();
  const taken = new Set<string>(['manifest.json']);
  for (let k = 0; k < count; k += 1) {
    const { category, name } = entry(k);
    let candidate = `${folderOf(category)}${name}`;
    for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) {
      const dot = name.lastIndexOf('.');
      const stem = dot > 0 ? name.slice(0, dot) : name;
      const ext = dot > 0 ? name.slice(dot) : '';
      candidate = `${folderOf(category)}${stem} (${n})${ext}`;
      renamed.set(k, candidate);
    }
    taken.add(candidate.toLowerCase());
  }
  return {
    length: count,
    entry,
    path: (k, known = entry(k)) => renamed.get(k) ?? `${folderOf(known.category)}${known.name}`,
  };
}

/** Files read ahead of the one being written: enough to keep both cores busy on small files. */
const FILES_AHEAD = 8;
/** Bytes read ahead of the file being written, across the files behind it. */
const BYTES_AHEAD = 8 * 1024 * 1024;
/** A file declared this large gets ZIP64 sizes: its compressed form may pass 4 GiB by a few framing bytes. */
const ZIP64_FROM = ZIP64_MARK - 64 * 1024 * 1024;

/**
 * Streams the entries into a ZIP written to `sink`; memory stays flat whatever the size and the count.
 * `progress` is called as bytes go by (the activity heartbeats from it).
 */
export async function writeReturnPackage(
  entries: PackageEntries,
  sink: Writable,
  options: {
    caseId?: string;
    round?: number;
    progress?: (bytesDone: number) => void;
    /** A scanner for each returned file (the roster's match), or undefined for a file it does not read. */
    scan?: (fileName: string) => FileScanner | undefined;
  } = {},
): Promise<BuiltPackage> {
  let done = 0;
  const share = new ReadAhead(new BlockCompressor(), BYTES_AHEAD, (n) => {
    done += n;
    options.progress?.(done);
  });
  const zip = new ZipWriter(sink);
  const ordered = orderEntries(entries);
  const rows = new ManifestRows(ordered.length);
  // The files being read, the one being written first: a window, not a slot per file.
  const reading: { entry: PackageEntry; reader: EntryReader }[] = [];
  let manifestReader: EntryReader | undefined;
  let latest = 0;
  try {
    for (let k = 0, started = 0; k < ordered.length; k += 1) {
      for (; started < Math.min(k + FILES_AHEAD, ordered.length); started += 1) {
        const entry = ordered.entry(started);
        reading.push({
          entry,
          reader: new EntryReader(
            started,
            entry.name,
            () => entry.open(),
            STORED.test(entry.name),
            share,
            true,
            options.scan?.(entry.name),
          ),
        });
      }
      const { entry, reader } = reading[0]!;
      const digest = await writeEntry(zip, reader, ordered.path(k, entry), entry.stagedAt, entry.bytes, (found) => {
        if (entry.sha256 && found.sha256 !== entry.sha256) {
          throw new PackageContentError(
            `"${entry.name}" reads back with SHA-256 ${found.sha256}, not the ${entry.sha256} recorded when it was uploaded`,
          );
        }
      });
      reading.shift();
      rows.add(digest);
      latest = Math.max(latest, entry.stagedAt);
    }

    const head: Omit<Manifest, 'files'> = {
      format: MANIFEST_FORMAT,
      ...(options.caseId ? { caseId: options.caseId } : {}),
      ...(options.round ? { round: options.round } : {}),
    };
    const fileAt = (k: number): ManifestFile => {
      const entry = ordered.entry(k);
      // The key order is the manifest's: path, fileId, category, bytes, sha256, records.
      const file: ManifestFile = {
        path: ordered.path(k, entry),
        fileId: entry.fileId,
        category: entry.category,
        bytes: rows.bytes(k),
        sha256: rows.sha256(k),
      };
      const records = rows.recordsOf(k);
      if (records !== undefined) file.records = records;
      return file;
    };
    manifestReader = new EntryReader(
      ordered.length,
      'manifest.json',
      () => Readable.from(manifestChunks(head, rows.length, fileAt)),
      false,
      share,
      false,
    );
    await writeEntry(zip, manifestReader, 'manifest.json', latest, 0, () => undefined);
    const written = await zip.finish();
    return {
      zipSha256: written.sha256,
      zipBytes: written.bytes,
      get manifest(): Manifest {
        return { ...head, files: Array.from({ length: rows.length }, (_, k) => fileAt(k)) };
      },
      recordsByFileId() {
        const counted = new Map<string, number>();
        for (let k = 0; k < rows.length; k += 1) {
          const records = rows.recordsOf(k);
          if (records !== undefined) counted.set(ordered.entry(k).fileId, records);
        }
        return counted;
      },
    };
  } catch (err) {
    for (const { reader } of reading) reader.stop();
    manifestReader?.stop();
    throw err;
  }
}

/** Writes one file's entry as its blocks come, checking what was read before the entry is closed. */
async function writeEntry(
  zip: ZipWriter,
  reader: EntryReader,
  path: string,
  mtime: number,
  declaredBytes: number,
  check: (digest: { sha256: string; bytes: number }) => void,
): Promise<{ sha256: string; bytes: number; records?: number }> {
  reader.lead();
  const name = entryName(path);
  const first = await reader.next();
  if (first.last) {
    // The whole file is in one block: sizes go in the local header, and a bad file is refused before any of it is written.
    const encoded = await first.encoded;
    const digest = await reader.digest;
    check(digest);
    await zip.addEntry(
      { ...name, method: encoded.method, mtime },
      { crc32: digest.crc32, size: digest.bytes },
      encoded.parts,
    );
    reader.written(first);
    return digest;
  }
  const zip64 = declaredBytes >= ZIP64_FROM;
  await zip.beginEntry({ ...name, method: reader.method, mtime }, zip64);
  for (let block = first; ; block = await reader.next()) {
    await zip.writeEntryData((await block.encoded).parts);
    reader.written(block);
    if (block.last) break;
  }
  const digest = await reader.digest;
  check(digest);
  if (!zip64 && digest.bytes >= ZIP64_FROM) {
    throw new PackageContentError(
      `"${path}" holds ${digest.bytes} bytes, not the ${declaredBytes} recorded when it was staged`,
    );
  }
  await zip.endEntry({ crc32: digest.crc32, size: digest.bytes });
  return digest;
}
