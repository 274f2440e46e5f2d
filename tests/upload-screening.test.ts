// The upload screen judges what streams past (issue 12, security 2): the type by the head however the bytes are
// cut, and a ZIP by its whole directory, whatever its end record claims.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createUploadScreen } from '../infra/storage/upload-screening';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-screen-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Streams `content` through the screen in pieces of `piece` bytes; resolves with what passed, or rejects. */
async function screen(content: Buffer, name: string, declaredType: string | undefined, piece: number): Promise<number> {
  const pieces = function* () {
    for (let at = 0; at < content.length; at += piece) yield content.subarray(at, at + piece);
  };
  let passed = 0;
  await pipeline(
    Readable.from(pieces()),
    createUploadScreen(name, declaredType),
    new Writable({
      write(chunk: Buffer, _e, done) {
        passed += chunk.length;
        done();
      },
    }),
  );
  return passed;
}

/** A real ZIP made by Python's zipfile, with `entries` small files. */
function realZip(entries: number): Buffer {
  const file = path.join(dir, `real-${entries}.zip`);
  const made = spawnSync(
    'python3',
    [
      '-c',
      `import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:\n  [z.writestr(f'records/{i}.csv', f'id\\n{i}\\n') for i in range(int(sys.argv[2]))]`,
      file,
      String(entries),
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  return fs.readFileSync(file);
}

/** A ZIP made by Python's zipfile holding one small file under each of `names`, as given. */
function zipNamed(names: string[]): Buffer {
  const file = path.join(dir, `named-${crypto.randomBytes(4).toString('hex')}.zip`);
  const made = spawnSync(
    'python3',
    [
      '-c',
      `import zipfile,sys,json\nwith zipfile.ZipFile(sys.argv[1],'w') as z:\n  [z.writestr(zipfile.ZipInfo(n), 'id\\n1\\n') for n in json.loads(sys.argv[2])]`,
      file,
      JSON.stringify(names),
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  return fs.readFileSync(file);
}

describe('the type, by the head', () => {
  const program = Buffer.concat([Buffer.from('MZ'), crypto.randomBytes(4000)]);

  for (const piece of [1, 3, 4096]) {
    it(`refuses a program sent as a CSV in pieces of ${piece} byte(s)`, async () => {
      await expect(screen(program, 'students.csv', 'text/csv', piece)).rejects.toThrow(
        /declared as text but its content is EXECUTABLE/,
      );
    });
  }

  it('passes a real CSV and a real PDF whole, byte by byte, and a file shorter than the head', async () => {
    const csv = Buffer.from('id,name\n1,Ana\n2,Ben\n'.repeat(50));
    expect(await screen(csv, 'students.csv', 'text/csv', 1)).toBe(csv.length);
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n');
    expect(await screen(pdf, 'policy.pdf', 'application/pdf', 1)).toBe(pdf.length);
    expect(await screen(Buffer.from('id\n'), 'tiny.csv', 'text/csv', 1)).toBe(3);
    await expect(screen(Buffer.from('MZ'), 'tiny.csv', 'text/csv', 1)).rejects.toThrow(/EXECUTABLE/);
  });
});

describe('a ZIP, by its whole directory', () => {
  it('passes a real ZIP, also one large enough to need ZIP64 counts (70,000 entries), in any pieces', async () => {
    const small = realZip(3);
    expect(await screen(small, 'records.zip', 'application/zip', 7)).toBe(small.length);
    const many = realZip(70_000);
    expect(await screen(many, 'records.zip', 'application/zip', 65_536)).toBe(many.length);
  }, 120_000);

  it('refuses an end record that claims 65,535 entries to skip the check', async () => {
    const zip = realZip(2);
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    zip.writeUInt16LE(0xffff, eocd + 8);
    zip.writeUInt16LE(0xffff, eocd + 10);
    await expect(screen(zip, 'records.zip', 'application/zip', 4096)).rejects.toThrow(
      /claims 65535 entries but holds 2/,
    );
  });

  it('refuses a ZIP without a directory at its end', async () => {
    const zip = realZip(2);
    await expect(screen(zip.subarray(0, zip.length - 40), 'records.zip', 'application/zip', 4096)).rejects.toThrow(
      /no directory at its end/,
    );
  });

  describe('issue 26 item 2: an end record that under-counts', () => {
    /** realZip(2) with its second entry saying it holds 1 GiB, and the end record claiming `claimed` entries. */
    function hiding(claimed: number): Buffer {
      const zip = realZip(2);
      const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      const first = zip.readUInt32LE(eocd + 16);
      const second =
        first + 46 + zip.readUInt16LE(first + 28) + zip.readUInt16LE(first + 30) + zip.readUInt16LE(first + 32);
      expect(zip.readUInt32LE(second)).toBe(0x02014b50);
      zip.writeUInt32LE(0x40000000, second + 24);
      zip.writeUInt16LE(claimed, eocd + 8);
      zip.writeUInt16LE(claimed, eocd + 10);
      return zip;
    }

    it('refuses the honest archive as a bomb, and the same archive whose end record says 1 or 0 entries as crafted', async () => {
      await expect(screen(hiding(2), 'records.zip', 'application/zip', 4096)).rejects.toThrow(/a ZIP bomb/);
      await expect(screen(hiding(1), 'records.zip', 'application/zip', 4096)).rejects.toThrow(
        /directory claims 1 entries but holds 2: it is damaged or crafted/,
      );
      await expect(screen(hiding(0), 'records.zip', 'application/zip', 4096)).rejects.toThrow(
        /directory claims 0 entries but holds 2/,
      );
    });

    it('refuses an end record that moves the directory, or a comment hiding a second end record', async () => {
      const moved = realZip(2);
      const eocd = moved.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      moved.writeUInt32LE(moved.readUInt32LE(eocd + 16) + 1, eocd + 16);
      await expect(screen(moved, 'records.zip', 'application/zip', 4096)).rejects.toThrow(
        /places its directory at byte/,
      );
      const commented = Buffer.concat([realZip(2), Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);
      await expect(screen(commented, 'records.zip', 'application/zip', 4096)).rejects.toThrow(/damaged or crafted/);
    });

    it('refuses a ZIP64 end record that disagrees with the classic one', async () => {
      const many = realZip(70_000);
      const eocd = many.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      expect(many.readUInt16LE(eocd + 10)).toBe(0xffff); // the count is in the ZIP64 record
      many.writeUInt32LE(many.readUInt32LE(eocd + 12) - 46, eocd + 12);
      await expect(screen(many, 'records.zip', 'application/zip', 65_536)).rejects.toThrow(/two end records disagree/);
    }, 120_000);
  });

  describe('issue 26 item 13: entries that unzip outside their folder', () => {
    for (const entry of [
      '../../etc/cron.d/evil',
      'records/../../x.csv',
      '/etc/passwd',
      'C:/Windows/x.csv',
      'records\\..\\..\\x.csv',
    ]) {
      it(`refuses an entry named ${JSON.stringify(entry)}`, async () => {
        const zip = zipNamed(['records/ok.csv', entry]);
        await expect(screen(zip, 'records.zip', 'application/zip', 4096)).rejects.toThrow(
          /would unzip outside its folder/,
        );
      });
    }

    it('passes names that only look alike: dots inside a name, a folder named "..x"', async () => {
      const zip = zipNamed(['records/a..b.csv', '..x/y.csv', 'records/./z.csv']);
      expect(await screen(zip, 'records.zip', 'application/zip', 4096)).toBe(zip.length);
    });
  });
});
