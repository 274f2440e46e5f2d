// Our own ZIP writer (infra/zip-*.ts, block-compressor.ts): the same files give the same bytes however
// they are read, and what it writes is a ZIP that Info-ZIP's unzip and Python's zipfile accept, ZIP64 included.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_SIZE } from '../infra/package/block-compressor';
import { RecordCounter } from '../infra/package/record-counter';
import { manifestChunks } from '../infra/package/package-manifest';
import {
  PackageContentError,
  writeReturnPackage,
  type Manifest,
  type PackageEntry,
} from '../infra/package/return-package';
import {
  centralHeader,
  dataDescriptor,
  dosDateTime,
  endRecords,
  entryName,
  localHeader,
  METHOD_DEFLATED,
  ZIP64_MARK,
} from '../infra/package/zip-records';
import { memorySink } from './support/memory-sink';

const sha256 = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');
const STAGED_AT = Date.UTC(2026, 10, 28, 14, 30, 0);

/** A file whose stream hands out its bytes in the given piece sizes (cycled), as storage or a disk would. */
function entry(
  fileId: string,
  category: string,
  name: string,
  content: Buffer | string,
  pieces: number[] = [65536],
): PackageEntry {
  const data = Buffer.from(content);
  return {
    fileId,
    category,
    name,
    bytes: data.length,
    sha256: sha256(data),
    stagedAt: STAGED_AT,
    open: () =>
      Readable.from(
        (function* () {
          for (let at = 0, i = 0; at < data.length; i += 1) {
            const size = pieces[i % pieces.length]!;
            yield data.subarray(at, at + size);
            at += size;
          }
        })(),
      ),
  };
}

async function build(entries: PackageEntry[]): Promise<{ zip: Buffer; zipSha256: string; manifest: Manifest }> {
  const out = memorySink();
  const built = await writeReturnPackage(entries, out.sink, { caseId: 'case-zip', round: 1 });
  return { zip: out.bytes(), zipSha256: built.zipSha256, manifest: built.manifest };
}

/** Seeded bytes: CSV-like text that deflates, and noise that does not. */
function csvText(bytes: number, seed = 1): Buffer {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const rows = ['student_id,name,grade,notes\n'];
  let length = rows[0]!.length;
  while (length < bytes) {
    const row = `${100000 + (next() % 900000)},Student ${next() % 5000},${next() % 13},"line one\nline ${next() % 100} ""quoted"""\n`;
    rows.push(row);
    length += row.length;
  }
  return Buffer.from(rows.join('')).subarray(0, bytes);
}
const noise = (bytes: number, seed: string): Buffer => {
  const cipher = crypto.createCipheriv(
    'aes-256-ctr',
    crypto.createHash('sha256').update(seed).digest(),
    Buffer.alloc(16),
  );
  return cipher.update(Buffer.alloc(bytes));
};

interface PythonEntry {
  name: string;
  method: number;
  flags: number;
  size: number;
  compressed: number;
  crc: number;
  date: number[];
}

describe('the return package ZIP', () => {
  let dir: string;
  const save = (name: string, zip: Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, zip);
    return file;
  };
  const unzipTest = (file: string): { status: number | null; output: string } => {
    const result = spawnSync('unzip', ['-t', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  /** Python's zipfile: testzip() over every entry, then each entry's fields. */
  const python = (file: string): { bad: string | null; entries: PythonEntry[] } => {
    const script = [
      'import json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'bad = z.testzip()',
      'print(json.dumps({"bad": bad, "entries": [dict(name=i.filename, method=i.compress_type, flags=i.flag_bits, size=i.file_size, compressed=i.compress_size, crc=i.CRC, date=list(i.date_time)) for i in z.infolist()]}))',
    ].join('\n');
    const result = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`python zipfile refused ${file}: ${result.stderr}`);
    return JSON.parse(result.stdout) as { bad: string | null; entries: PythonEntry[] };
  };

  const csv = csvText(3 * BLOCK_SIZE + 12_345);
  const random = noise(2 * BLOCK_SIZE + 777, 'random');
  const smallRandom = noise(40_000, 'small');
  const mixed = Buffer.concat([noise(BLOCK_SIZE, 'mixed'), csvText(BLOCK_SIZE + 5_000, 2)]);
  const photo = noise(300_000, 'photo');
  const entries = (pieces?: number[]): PackageEntry[] => [
    entry('f-csv', 'permanent', 'students.csv', csv, pieces),
    entry('f-rnd', 'electronic', 'scan.bin', random, pieces),
    entry('f-small', 'electronic', 'small.bin', smallRandom, pieces),
    entry('f-mixed', 'electronic', 'mixed.dat', mixed, pieces),
    entry('f-photo', 'electronic', 'photo.JPG', photo, pieces),
    entry('f-empty', 'policies', 'empty.txt', '', pieces),
    entry('f-utf8', 'policies', 'Política de privacidad – año 2026 ✓.txt', 'Datos del distrito\n'.repeat(50), pieces),
    entry('f-tiny', 'policies', 'tiny.txt', 'ok\n', pieces),
  ];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-zip-writer-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives byte-identical ZIPs however the files are read: in 64 KiB pieces, odd sizes or byte runs of 1', async () => {
    const first = await build(entries([65536]));
    expect(first.zipSha256).toBe(sha256(first.zip));
    for (const pieces of [[1_000_003], [4096, 7, 65537, 100_000], [1, 2, 3, 50_000]]) {
      const other = await build(entries(pieces));
      expect(other.zip.equals(first.zip), `pieces ${pieces.join(',')}`).toBe(true);
    }
  });

  it('is accepted by unzip -t and by Python zipfile, every file byte for byte', async () => {
    const built = await build(entries());
    const file = save('mixed.zip', built.zip);
    const tested = unzipTest(file);
    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toContain('No errors detected');
    const { bad, entries: listed } = python(file);
    expect(bad).toBeNull();
    expect(listed.map((e) => e.name)).toEqual([
      'electronic/mixed.dat',
      'electronic/photo.JPG',
      'electronic/scan.bin',
      'electronic/small.bin',
      'permanent/students.csv',
      'policies/Política de privacidad – año 2026 ✓.txt',
      'policies/empty.txt',
      'policies/tiny.txt',
      'manifest.json',
    ]);
    for (const [name, content] of [
      ['permanent/students.csv', csv],
      ['electronic/scan.bin', random],
      ['electronic/mixed.dat', mixed],
      ['electronic/photo.JPG', photo],
    ] as const) {
      const out = spawnSync('unzip', ['-p', file, name], { maxBuffer: 64 * 1024 * 1024 }).stdout;
      expect(out.equals(content), name).toBe(true);
    }
    // The DOS time is the staging time in UTC.
    expect(listed[0]!.date).toEqual([2026, 11, 28, 14, 30, 0]);
  });

  it('deflates what shrinks and stores what does not: by name, by content, and block by block', async () => {
    const { entries: listed } = python(save('methods.zip', (await build(entries())).zip));
    const byName = new Map(listed.map((e) => [e.name, e]));
    const csvEntry = byName.get('permanent/students.csv')!;
    expect(csvEntry.method).toBe(8);
    expect(csvEntry.compressed).toBeLessThan(csvEntry.size / 2);
    // One block of noise: stored, like Info-ZIP stores what deflate cannot shrink.
    expect(byName.get('electronic/small.bin')).toMatchObject({ method: 0, compressed: smallRandom.length });
    // Already-compressed formats are stored by name.
    expect(byName.get('electronic/photo.JPG')).toMatchObject({ method: 0, compressed: photo.length });
    // Longer noise: DEFLATE stored blocks, five bytes of framing per 64 KiB and no more.
    const scan = byName.get('electronic/scan.bin')!;
    expect(scan.method).toBe(8);
    expect(scan.compressed - scan.size).toBeGreaterThan(0);
    expect(scan.compressed - scan.size).toBeLessThanOrEqual(5 * Math.ceil(random.length / 65535) + 16);
    // Noise then text in one file: the text half is still compressed.
    const mixedEntry = byName.get('electronic/mixed.dat')!;
    expect(mixedEntry.method).toBe(8);
    expect(mixedEntry.compressed).toBeLessThan(BLOCK_SIZE + (BLOCK_SIZE + 5_000) / 2);
    // Tiny files are not worth a trip to deflate.
    expect(byName.get('policies/tiny.txt')).toMatchObject({ method: 0, size: 3 });
  });

  it('writes an empty file as a stored entry of no bytes', async () => {
    const { entries: listed } = python(save('empty.zip', (await build([entry('e', '', 'nothing.csv', '')])).zip));
    expect(listed[0]).toMatchObject({ name: 'nothing.csv', method: 0, size: 0, compressed: 0, crc: 0 });
  });

  it('flags UTF-8 names (bit 11) and leaves plain ASCII names unflagged', async () => {
    const built = await build(entries());
    const file = save('utf8.zip', built.zip);
    const { entries: listed } = python(file);
    const utf8 = listed.find((e) => e.name.startsWith('policies/Pol'))!;
    expect(utf8.flags & 0x800).toBe(0x800);
    expect(listed.find((e) => e.name === 'policies/tiny.txt')!.flags & 0x800).toBe(0);
    expect(spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' }).stdout).toContain(
      'policies/Política de privacidad – año 2026 ✓.txt',
    );
    expect(built.manifest.files.find((f) => f.fileId === 'f-utf8')!.path).toBe(
      'policies/Política de privacidad – año 2026 ✓.txt',
    );
  });

  it('counts CSV records across block boundaries as a whole-file count does', async () => {
    const built = await build(entries([3, 65_536, 17]));
    const whole = new RecordCounter('csv');
    whole.update(csv);
    expect(built.manifest.files.find((f) => f.fileId === 'f-csv')).toMatchObject({
      bytes: csv.length,
      sha256: sha256(csv),
      records: whole.result(),
    });
  });

  it('refuses a long file whose content differs from its recorded SHA-256, and a long file that cannot be read', async () => {
    const wrong = { ...entry('f-csv', 'permanent', 'students.csv', csv), sha256: sha256('something else') };
    await expect(build([wrong])).rejects.toThrow(PackageContentError);
    let served = 0;
    const failing: PackageEntry = {
      ...entry('f-rnd', 'electronic', 'scan.bin', random),
      open: () =>
        new Readable({
          read() {
            served += 1;
            if (served > 5) this.destroy(new Error('the disk went away'));
            else this.push(random.subarray(0, 65536));
          },
        }),
    };
    await expect(build([entry('a', 'a', 'a.csv', csv), failing, entry('z', 'z', 'z.csv', csv)])).rejects.toThrow(
      'the disk went away',
    );
  });

  it('fails instead of hanging when the output stream fails', async () => {
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    await expect(writeReturnPackage(entries(), sink)).rejects.toThrow('disk full');
  });

  it('streams manifest.json as JSON.stringify(manifest, null, 2) would write it, byte for byte', () => {
    const files = Array.from({ length: 2_000 }, (_, i) => ({
      path: `p/\u00e9 "${i}".csv`,
      fileId: `f${i}`,
      category: 'permanent',
      bytes: i,
      sha256: 'ab'.repeat(32),
      ...(i % 3 ? { records: i } : {}),
    }));
    for (const manifest of [
      { format: 'disposition-return-package/1' as const, files: [] },
      { format: 'disposition-return-package/1' as const, caseId: 'c1', round: 3, files: files.slice(0, 1) },
      { format: 'disposition-return-package/1' as const, caseId: 'c1', files },
    ]) {
      const { files: listed, ...head } = manifest;
      expect(Buffer.concat([...manifestChunks(head, listed.length, (k) => listed[k]!)]).toString()).toBe(
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
    }
  });

  it('writes ZIP64 end records past 65,535 entries, and unzip and Python zipfile read them all', async () => {
    const count = 70_000;
    const tiny = Array.from({ length: count }, (_, i) => {
      const content = Buffer.from(`${i}\n`);
      return {
        fileId: `t${i}`,
        category: 'access_log',
        name: `log-${String(i).padStart(5, '0')}.txt`,
        bytes: content.length,
        stagedAt: STAGED_AT,
        open: () => Readable.from([content]),
      };
    });
    const built = await build(tiny);
    expect(built.manifest.files).toHaveLength(count);
    const file = save('zip64-entries.zip', built.zip);
    const tail = built.zip.subarray(built.zip.length - 22 - 20 - 56);
    expect(tail.readUInt32LE(0)).toBe(0x06064b50); // ZIP64 end of central directory record
    expect(tail.readBigUInt64LE(32)).toBe(BigInt(count + 1));
    expect(tail.readUInt32LE(56)).toBe(0x07064b50); // its locator
    expect(tail.readUInt16LE(76 + 10)).toBe(0xffff); // the classic record says "see ZIP64"
    const tested = unzipTest(file);
    expect(tested.status, tested.output.slice(-2000)).toBe(0);
    expect(tested.output).toContain('No errors detected');
    const { bad, entries: listed } = python(file);
    expect(bad).toBeNull();
    expect(listed).toHaveLength(count + 1);
    expect(listed[count - 1]).toMatchObject({ name: `access_log/log-${count - 1}.txt`, size: `${count - 1}\n`.length });
  }, 60_000);
});

describe('ZIP records', () => {
  const name = entryName('a.bin');
  const sizes = { crc32: 0x12345678, compressedSize: 5 * 2 ** 32 + 7, size: 5 * 2 ** 32 + 3 };

  it('gives a streamed entry that may pass 4 GiB a ZIP64 field in its local header and 8-byte sizes in its descriptor', () => {
    const local = localHeader({ ...name, method: METHOD_DEFLATED, mtime: STAGED_AT, zip64: true });
    expect(local.readUInt16LE(4)).toBe(45); // version needed: ZIP64
    expect(local.readUInt16LE(6) & 0x8).toBe(0x8); // sizes in a data descriptor
    expect(local.readUInt32LE(18)).toBe(ZIP64_MARK);
    expect(local.readUInt32LE(22)).toBe(ZIP64_MARK);
    const extra = local.subarray(30 + name.name.length);
    const zip64At = extra.indexOf(Buffer.from([0x01, 0x00, 0x10, 0x00]));
    expect(zip64At).toBeGreaterThanOrEqual(0);
    const descriptor = dataDescriptor(sizes, true);
    expect(descriptor).toHaveLength(24);
    expect(descriptor.readBigUInt64LE(8)).toBe(BigInt(sizes.compressedSize));
    expect(descriptor.readBigUInt64LE(16)).toBe(BigInt(sizes.size));
    expect(dataDescriptor({ crc32: 1, compressedSize: 2, size: 3 }, false)).toHaveLength(16);
  });

  it("puts sizes and offsets past 4 GiB in the central header's ZIP64 field, in the order APPNOTE gives", () => {
    const central = centralHeader({
      ...name,
      method: METHOD_DEFLATED,
      mtime: STAGED_AT,
      zip64: false,
      sizes,
      offset: 6 * 2 ** 32,
      descriptor: true,
    });
    expect(central.readUInt32LE(20)).toBe(ZIP64_MARK);
    expect(central.readUInt32LE(24)).toBe(ZIP64_MARK);
    expect(central.readUInt32LE(42)).toBe(ZIP64_MARK);
    const extra = central.subarray(46 + name.name.length);
    const at = extra.indexOf(Buffer.from([0x01, 0x00, 0x18, 0x00]));
    expect(extra.readBigUInt64LE(at + 4)).toBe(BigInt(sizes.size));
    expect(extra.readBigUInt64LE(at + 12)).toBe(BigInt(sizes.compressedSize));
    expect(extra.readBigUInt64LE(at + 20)).toBe(BigInt(6 * 2 ** 32));
    // Only the offset overflows: only the offset is in the ZIP64 field.
    const small = centralHeader({
      ...name,
      method: METHOD_DEFLATED,
      mtime: STAGED_AT,
      zip64: false,
      sizes: { crc32: 1, compressedSize: 2, size: 3 },
      offset: 2 ** 32,
      descriptor: false,
    });
    const smallExtra = small.subarray(46 + name.name.length);
    const smallAt = smallExtra.indexOf(Buffer.from([0x01, 0x00, 0x08, 0x00]));
    expect(smallExtra.readBigUInt64LE(smallAt + 4)).toBe(BigInt(2 ** 32));
    expect(small.readUInt32LE(20)).toBe(2);
  });

  it('writes the ZIP64 end record and locator only when a count or an offset overflows', () => {
    expect(endRecords({ entries: 10, offset: 1000, size: 500 })).toHaveLength(22);
    const big = endRecords({ entries: 10, offset: 5 * 2 ** 32, size: 500 });
    expect(big).toHaveLength(56 + 20 + 22);
    expect(big.readBigUInt64LE(48)).toBe(BigInt(5 * 2 ** 32));
    expect(big.readBigUInt64LE(56 + 8)).toBe(BigInt(5 * 2 ** 32 + 500)); // the locator points at the ZIP64 record
    expect(big.readUInt32LE(76 + 16)).toBe(ZIP64_MARK);
    expect(big.readUInt16LE(76 + 10)).toBe(10);
  });

  it('writes DOS times from the UTC fields and clamps what the format cannot hold', () => {
    expect(dosDateTime(Date.UTC(2026, 10, 28, 14, 30, 59))).toEqual({
      date: ((2026 - 1980) << 9) | (11 << 5) | 28,
      time: (14 << 11) | (30 << 5) | 29,
    });
    expect(dosDateTime(0)).toEqual({ date: (1 << 5) | 1, time: 0 });
  });
});
