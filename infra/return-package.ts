// The return package (7400.1 III.A): the returned files in one ZIP with manifest.json, in a fixed order with
// the staging times, so the same files always give the same bytes and the same SHA-256.
//
// The ZIP is written in one pass by our own writer (zip-writer.ts): files are read and compressed ahead, on
// every core, and written strictly in order; see block-compressor.ts for what is deflated and what stored.
import { Readable, type Writable } from 'node:stream';
import { BlockCompressor } from './block-compressor';
import { EntryReader, ReadAhead } from './package-entry-reader';
import { entryName, ZIP64_MARK } from './zip-records';
import { ZipWriter } from './zip-writer';

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

export interface ManifestFile {
  path: string;
  fileId: string;
  category: string;
  bytes: number;
  sha256: string;
  records?: number;
}

export interface Manifest {
  format: 'disposition-return-package/1';
  caseId?: string;
  round?: number;
  files: ManifestFile[];
}

export interface BuiltPackage {
  zipSha256: string;
  zipBytes: number;
  manifest: Manifest;
}

export class PackageContentError extends Error {
  override name = 'PackageContentError';
}

/** Formats that are compressed already: deflating them again costs time and gains nothing. */
const STORED = /\.(zip|gz|tgz|bz2|xz|zst|7z|rar|jpe?g|png|gif|webp|heic|mp[34]|m4[av]|mov|avi|mkv|webm|docx|xlsx|pptx|odt|ods)$/i;

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entry order and paths: by category, then name, then file id; clashing names get " (2)", " (3)"… */
export function orderEntries<T extends { fileId: string; category: string; name: string }>(entries: T[]): { entry: T; path: string }[] {
  const sorted = [...entries].sort((a, b) => byteOrder(a.category, b.category) || byteOrder(a.name, b.name) || byteOrder(a.fileId, b.fileId));
  const taken = new Set<string>(['manifest.json']);
  return sorted.map((entry) => {
    const folder = entry.category ? `${entry.category}/` : '';
    let candidate = folder ? `${folder}${entry.name}` : entry.name;
    for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) {
      const dot = entry.name.lastIndexOf('.');
      const stem = dot > 0 ? entry.name.slice(0, dot) : entry.name;
      const ext = dot > 0 ? entry.name.slice(dot) : '';
      candidate = `${folder}${stem} (${n})${ext}`;
    }
    taken.add(candidate.toLowerCase());
    return { entry, path: candidate };
  });
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
  entries: PackageEntry[],
  sink: Writable,
  options: { caseId?: string; round?: number; progress?: (bytesDone: number) => void } = {},
): Promise<BuiltPackage> {
  let done = 0;
  const share = new ReadAhead(new BlockCompressor(), BYTES_AHEAD, (n) => {
    done += n;
    options.progress?.(done);
  });
  const zip = new ZipWriter(sink);
  const ordered = orderEntries(entries);
  const readers: (EntryReader | undefined)[] = [];
  const files: ManifestFile[] = [];
  try {
    for (let i = 0; i < ordered.length; i += 1) {
      for (let ahead = readers.length; ahead < Math.min(i + FILES_AHEAD, ordered.length); ahead += 1) {
        const { entry } = ordered[ahead]!;
        readers.push(new EntryReader(ahead, entry.name, () => entry.open(), STORED.test(entry.name), share));
      }
      const { entry, path } = ordered[i]!;
      const digest = await writeEntry(zip, readers[i]!, path, entry.stagedAt, entry.bytes, (found) => {
        if (entry.sha256 && found.sha256 !== entry.sha256) {
          throw new PackageContentError(`"${entry.name}" reads back with SHA-256 ${found.sha256}, not the ${entry.sha256} recorded when it was uploaded`);
        }
      });
      readers[i] = undefined;
      // One shape for every file (no spread), held until the end: 100,000 files make it count.
      const file: ManifestFile = { path, fileId: entry.fileId, category: entry.category, bytes: digest.bytes, sha256: digest.sha256 };
      if (digest.records !== undefined) file.records = digest.records;
      files.push(file);
    }

    const manifest: Manifest = {
      format: 'disposition-return-package/1',
      ...(options.caseId ? { caseId: options.caseId } : {}),
      ...(options.round ? { round: options.round } : {}),
      files,
    };
    const latest = entries.reduce((max, e) => Math.max(max, e.stagedAt), 0);
    const reader = new EntryReader(ordered.length, 'manifest.json', () => Readable.from(manifestText(manifest)), false, share, false);
    readers.push(reader);
    await writeEntry(zip, reader, 'manifest.json', latest, 0, () => undefined);
    const written = await zip.finish();
    return { zipSha256: written.sha256, zipBytes: written.bytes, manifest };
  } catch (err) {
    for (const reader of readers) reader?.stop();
    throw err;
  }
}

/**
 * `JSON.stringify(manifest, null, 2) + "\n"`, byte for byte, in pieces of about 64 KiB: the text of a
 * manifest of 100,000 files is tens of MiB, which need not be in memory at once.
 */
export function* manifestText(manifest: Manifest): Generator<Buffer> {
  const { files, ...head } = manifest;
  const opening = JSON.stringify({ ...head, files: [] }, null, 2);
  if (files.length === 0) {
    yield Buffer.from(`${opening}\n`);
    return;
  }
  // "files" is the last key, so the text ends with its empty array: `[]\n}`.
  let text = `${opening.slice(0, -'[]\n}'.length)}[\n`;
  for (let i = 0; i < files.length; i += 1) {
    text += `${fileText(files[i]!)}${i < files.length - 1 ? ',' : ''}\n`;
    if (text.length >= 64 * 1024) {
      yield Buffer.from(text);
      text = '';
    }
  }
  yield Buffer.from(`${text}  ]\n}\n`);
}

/** One file of the manifest as JSON.stringify(manifest, null, 2) indents it, without the intermediate strings. */
function fileText(file: ManifestFile): string {
  let text = '    {';
  let first = true;
  for (const [key, value] of Object.entries(file)) {
    if (value === undefined) continue; // as JSON.stringify leaves it out
    text += `${first ? '' : ','}\n      ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    first = false;
  }
  return first ? '    {}' : `${text}\n    }`;
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
    await zip.addEntry({ ...name, method: encoded.method, mtime }, { crc32: digest.crc32, size: digest.bytes }, encoded.parts);
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
    throw new PackageContentError(`"${path}" holds ${digest.bytes} bytes, not the ${declaredBytes} recorded when it was staged`);
  }
  await zip.endEntry({ crc32: digest.crc32, size: digest.bytes });
  return digest;
}
