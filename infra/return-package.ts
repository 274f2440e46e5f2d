// The return package (7400.1 III.A): the returned files in one ZIP with manifest.json, in a fixed order with
// the staging times, so the same files always give the same bytes and the same SHA-256.
import archiver from 'archiver';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { RecordCounter, recordFormatOf } from './record-counter';

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
    let candidate = `${folder}${entry.name}`;
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

class Measure extends Transform {
  readonly hash = crypto.createHash('sha256');
  bytes = 0;
  constructor(private readonly counter?: RecordCounter, private readonly onBytes?: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.counter?.update(chunk);
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }
}

/**
 * Streams the entries into a ZIP written to `sink`; memory stays flat whatever the size.
 * `progress` is called as bytes go by (the activity heartbeats from it).
 */
export async function writeReturnPackage(
  entries: PackageEntry[],
  sink: Writable,
  options: { caseId?: string; round?: number; progress?: (bytesDone: number) => void } = {},
): Promise<BuiltPackage> {
  const zip = archiver('zip', { zlib: { level: 1 } });
  const output = new Measure();
  const finished = new Promise<void>((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
    zip.on('error', reject);
    output.on('error', reject);
  });
  zip.pipe(output).pipe(sink);

  let done = 0;
  const files: ManifestFile[] = [];
  const ordered = orderEntries(entries);
  for (const { entry, path } of ordered) {
    const format = recordFormatOf(entry.name);
    const counter = format ? new RecordCounter(format) : undefined;
    const measure = new Measure(counter, (n) => {
      done += n;
      options.progress?.(done);
    });
    const source = entry.open();
    source.on('error', (err) => measure.destroy(err));
    const added = once(zip, 'entry');
    zip.append(source.pipe(measure), { name: path, date: new Date(entry.stagedAt), mode: 0o644, store: STORED.test(entry.name) });
    await Promise.race([added, once(measure, 'error').then(([err]) => Promise.reject(err)), finished]);
    const sha256 = measure.hash.digest('hex');
    if (entry.sha256 && sha256 !== entry.sha256) {
      zip.abort();
      throw new PackageContentError(`"${entry.name}" reads back with SHA-256 ${sha256}, not the ${entry.sha256} recorded when it was uploaded`);
    }
    files.push({ path, fileId: entry.fileId, category: entry.category, bytes: measure.bytes, sha256, ...(counter ? { records: counter.result() } : {}) });
  }

  const manifest: Manifest = {
    format: 'disposition-return-package/1',
    ...(options.caseId ? { caseId: options.caseId } : {}),
    ...(options.round ? { round: options.round } : {}),
    files,
  };
  const latest = entries.reduce((max, e) => Math.max(max, e.stagedAt), 0);
  zip.append(JSON.stringify(manifest, null, 2) + '\n', { name: 'manifest.json', date: new Date(latest), mode: 0o644 });
  await zip.finalize();
  await finished;
  return { zipSha256: output.hash.digest('hex'), zipBytes: output.bytes, manifest };
}
