// The return package (7400.1 III.A): same files, same bytes; a ZIP unzip accepts; a manifest that tells the truth.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  orderEntries,
  PackageContentError,
  writeReturnPackage,
  type Manifest,
  type PackageEntries,
  type PackageEntry,
} from '../infra/package/return-package';
import { memorySink } from './support/memory-sink';

const sha256 = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');
const STAGED_AT = Date.UTC(2026, 10, 28, 14, 30, 0);

function entry(
  fileId: string,
  category: string,
  name: string,
  content: Buffer | string,
  extra: Partial<PackageEntry> = {},
): PackageEntry {
  const data = Buffer.from(content);
  return {
    fileId,
    category,
    name,
    bytes: data.length,
    sha256: sha256(data),
    stagedAt: STAGED_AT,
    open: () => Readable.from([data]),
    ...extra,
  };
}

async function build(entries: PackageEntries, options?: Parameters<typeof writeReturnPackage>[2]) {
  const out = memorySink();
  const built = await writeReturnPackage(entries, out.sink, options);
  return { ...built, zip: out.bytes() };
}

const csv = 'student_id,name,notes\n1001,Ana Lima,"two\nlines"\n1002,Ben Okafor,ok\n1003,Chen Wei,ok\n';
const jsonl = '{"event":"login","student":1001}\n\n{"event":"read","student":1002}\n';
const binary = crypto.randomBytes(200_000);
const photo = crypto.randomBytes(5_000);

const entries = (): PackageEntry[] => [
  entry('f-1', 'permanent', 'students.csv', csv),
  entry('f-2', 'electronic', 'activity.jsonl', jsonl, { stagedAt: STAGED_AT + 60_000 }),
  entry('f-3', 'access_log', 'report.bin', binary),
  entry('f-4', 'electronic', 'photo.jpg', photo),
  entry('f-5', '', 'README.txt', 'Returned under policy 7400.1 III.A.\n'),
];

describe('writeReturnPackage', () => {
  let dir: string;
  const saved = (name: string, zip: Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, zip);
    return file;
  };
  const unzip = (args: string[]) => spawnSync('unzip', args, { maxBuffer: 64 * 1024 * 1024 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-return-package-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives byte-identical ZIPs and the same SHA-256 whatever order the entries come in', async () => {
    const first = await build(entries(), { caseId: 'case-1', round: 1 });
    const reversed = await build(entries().reverse(), { caseId: 'case-1', round: 1 });
    const shuffled = await build(
      [3, 0, 4, 2, 1].map((i) => entries()[i]!),
      { caseId: 'case-1', round: 1 },
    );
    expect(first.zipSha256).toBe(sha256(first.zip));
    expect(first.zipBytes).toBe(first.zip.length);
    for (const other of [reversed, shuffled]) {
      expect(other.zipSha256).toBe(first.zipSha256);
      expect(other.zip.equals(first.zip)).toBe(true);
      expect(other.manifest).toEqual(first.manifest);
    }
  });

  it('changes its SHA-256 when one byte of one file changes', async () => {
    const base = await build(entries());
    const altered = entries();
    const tampered = Buffer.from(csv);
    tampered[30]! ^= 1;
    altered[0] = entry('f-1', 'permanent', 'students.csv', tampered);
    const changed = await build(altered);
    expect(changed.zipSha256).not.toBe(base.zipSha256);
    expect(changed.manifest.files.find((f) => f.fileId === 'f-1')!.sha256).toBe(sha256(tampered));
  });

  it('writes a ZIP that unzip -t accepts, holding the files byte for byte', async () => {
    const built = await build(entries(), { caseId: 'case-1', round: 2 });
    const file = saved('package.zip', built.zip);
    const tested = unzip(['-t', file]);
    expect(tested.status, String(tested.stdout) + String(tested.stderr)).toBe(0);
    expect(tested.stdout.toString()).toContain('No errors detected');
    expect(unzip(['-p', file, 'permanent/students.csv']).stdout.toString()).toBe(csv);
    expect(unzip(['-p', file, 'access_log/report.bin']).stdout.equals(binary)).toBe(true);
    expect(unzip(['-p', file, 'electronic/photo.jpg']).stdout.equals(photo)).toBe(true);

    const listing = unzip(['-Z1', file]).stdout.toString().trim().split('\n');
    expect(listing).toEqual([
      'README.txt',
      'access_log/report.bin',
      'electronic/activity.jsonl',
      'electronic/photo.jpg',
      'permanent/students.csv',
      'manifest.json',
    ]);
  });

  it('lists every file in manifest.json with its path, bytes, SHA-256 and records', async () => {
    const built = await build(entries(), { caseId: 'case-1', round: 2 });
    const file = saved('manifest-check.zip', built.zip);
    const manifest = JSON.parse(unzip(['-p', file, 'manifest.json']).stdout.toString()) as Manifest;
    expect(manifest).toEqual(built.manifest);
    expect(manifest).toEqual({
      format: 'disposition-return-package/1',
      caseId: 'case-1',
      round: 2,
      files: [
        {
          path: 'README.txt',
          fileId: 'f-5',
          category: '',
          bytes: 36,
          sha256: sha256('Returned under policy 7400.1 III.A.\n'),
        },
        {
          path: 'access_log/report.bin',
          fileId: 'f-3',
          category: 'access_log',
          bytes: 200_000,
          sha256: sha256(binary),
        },
        {
          path: 'electronic/activity.jsonl',
          fileId: 'f-2',
          category: 'electronic',
          bytes: Buffer.byteLength(jsonl),
          sha256: sha256(jsonl),
          records: 2,
        },
        { path: 'electronic/photo.jpg', fileId: 'f-4', category: 'electronic', bytes: 5_000, sha256: sha256(photo) },
        {
          path: 'permanent/students.csv',
          fileId: 'f-1',
          category: 'permanent',
          bytes: Buffer.byteLength(csv),
          sha256: sha256(csv),
          records: 3,
        },
      ],
    });
    for (const listed of manifest.files) {
      expect(sha256(unzip(['-p', file, listed.path]).stdout), listed.path).toBe(listed.sha256);
    }
  });

  it('reports progress up to the total bytes of the files', async () => {
    const seen: number[] = [];
    await build(entries(), { progress: (done) => seen.push(done) });
    const total = entries().reduce((sum, e) => sum + e.bytes, 0);
    expect(seen.at(-1)).toBe(total);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('gives clashing names " (2)", " (3)", ignoring case, and keeps manifest.json for the manifest', async () => {
    const built = await build([
      entry('b', 'permanent', 'students.csv', 'id\n2\n'),
      entry('a', 'permanent', 'students.csv', 'id\n1\n'),
      entry('c', 'permanent', 'Students.csv', 'id\n3\n'),
      entry('d', 'permanent', 'notes', 'x'),
      entry('e', 'permanent', 'notes', 'y'),
      entry('f', 'electronic', 'students.csv', 'id\n4\n'),
      entry('g', '', 'manifest.json', '{"mine":true}'),
    ]);
    expect(built.manifest.files.map((f) => [f.fileId, f.path])).toEqual([
      ['g', 'manifest (2).json'],
      ['f', 'electronic/students.csv'],
      ['c', 'permanent/Students.csv'],
      ['d', 'permanent/notes'],
      ['e', 'permanent/notes (2)'],
      ['a', 'permanent/students (2).csv'],
      ['b', 'permanent/students (3).csv'],
    ]);
    const file = saved('clashes.zip', built.zip);
    expect(unzip(['-t', file]).status).toBe(0);
    expect(unzip(['-p', file, 'permanent/students (3).csv']).stdout.toString()).toBe('id\n2\n');
    expect(JSON.parse(unzip(['-p', file, 'manifest.json']).stdout.toString())).toEqual(built.manifest);
  });

  it('skips a number a real file name already holds', () => {
    const ordered = orderEntries([
      { fileId: '1', category: 'x', name: 'a.csv' },
      { fileId: '2', category: 'x', name: 'a.csv' },
      { fileId: '3', category: 'x', name: 'a (2).csv' },
    ]);
    expect(Array.from({ length: ordered.length }, (_, k) => ordered.path(k))).toEqual([
      'x/a (2).csv',
      'x/a.csv',
      'x/a (3).csv',
    ]);
  });

  it('gives the same bytes from a listing that makes each entry when asked, in order or not', async () => {
    const reference = await build(entries(), { caseId: 'case-1', round: 1 });
    const made: number[] = [];
    const listing = (list: PackageEntry[]) => ({
      length: list.length,
      at: (i: number) => (made.push(i), list[i] === undefined ? undefined : { ...list[i] }),
    });
    const sorted = entries().sort((a, b) => (a.category + '/' + a.name < b.category + '/' + b.name ? -1 : 1));
    for (const list of [sorted, entries().reverse()]) {
      const built = await build(listing(list), { caseId: 'case-1', round: 1 });
      expect(built.zip.equals(reference.zip)).toBe(true);
      expect(built.manifest).toEqual(reference.manifest);
    }
    expect(made.length).toBeGreaterThan(0);
  });

  it('hands back the records counted in each file by file id, for the files whose format has them', async () => {
    const built = await build(entries());
    expect([...built.recordsByFileId()].sort()).toEqual([
      ['f-1', 3],
      ['f-2', 2],
    ]);
  });

  it('puts a file with no category at the root', async () => {
    const built = await build([entry('r', '', 'cover-letter.txt', 'hello')]);
    expect(built.manifest.files).toEqual([
      { path: 'cover-letter.txt', fileId: 'r', category: '', bytes: 5, sha256: sha256('hello') },
    ]);
    const file = saved('root.zip', built.zip);
    expect(unzip(['-p', file, 'cover-letter.txt']).stdout.toString()).toBe('hello');
  });

  it('packages an empty list as a ZIP holding only the manifest', async () => {
    const built = await build([]);
    expect(built.manifest).toEqual({ format: 'disposition-return-package/1', files: [] });
    const file = saved('empty.zip', built.zip);
    expect(unzip(['-t', file]).status).toBe(0);
    expect(unzip(['-Z1', file]).stdout.toString().trim()).toBe('manifest.json');
  });

  it('refuses a file whose content differs from the SHA-256 recorded at upload', async () => {
    const list = entries();
    list[2] = entry('f-3', 'access_log', 'report.bin', binary, {
      sha256: sha256(Buffer.concat([binary, Buffer.from([0])])),
    });
    const out = memorySink();
    const attempt = writeReturnPackage(list, out.sink);
    await expect(attempt).rejects.toThrow(PackageContentError);
    await expect(attempt).rejects.toThrow(`"report.bin" reads back with SHA-256 ${sha256(binary)}`);
  });

  it('fails when a file cannot be read', async () => {
    const list = [
      entry('f-1', 'permanent', 'students.csv', csv, {
        open: () =>
          new Readable({
            read() {
              this.destroy(new Error('storage went away'));
            },
          }),
      }),
    ];
    await expect(writeReturnPackage(list, memorySink().sink)).rejects.toThrow('storage went away');
  });
});
