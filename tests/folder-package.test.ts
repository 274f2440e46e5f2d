// `disposition package build DIR --out FILE` and `package open FILE --out ZIP`, run as the district would: a
// folder in, an encrypted package out (7400.1 I.F), and back to a ZIP that unzip and Python's zipfile accept.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../infra/package/return-package';

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
const MTIME = new Date(Date.UTC(2026, 5, 1, 9, 30, 0));

// Python reads every entry (checking its CRC) and hands back names and bytes as it decoded them.
const READ_ZIP = `import base64, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist()}))`;

describe('package build and package open (CLI)', () => {
  let root: string;
  let dataDir: string;
  const files = new Map<string, Buffer>();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.resolve(__dirname, '../bin/disposition.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dataDir, KEYS_DIR: path.join(dataDir, 'keys') },
    });
  const build = (name: string): { file: string; files: number; zipSha256: string } => {
    const built = cli('package', 'build', path.join(root, 'in'), '--out', path.join(root, name), '--json');
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    return JSON.parse(built.stdout);
  };
  let first: ReturnType<typeof build>;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-folder-package-'));
    dataDir = path.join(root, 'data');
    const csv = [
      'student_id,name,grade',
      ...Array.from({ length: 200 }, (_, i) => `${10_000 + i},Élève Numéro ${i},${(i % 12) + 1}`),
    ].join('\n');
    files.set('roster.csv', Buffer.from(`${csv}\n`));
    files.set('classes/2026/élève-Zoë.csv', Buffer.from('student_id,name\n7,Zoë Lefèvre\n'));
    files.set('classes/empty.txt', Buffer.alloc(0));
    files.set('blobs/deep/er/random.bin', crypto.randomBytes(300 * 1024)); // several 64 KiB frames encrypted
    for (const [name, content] of files) {
      const file = path.join(root, 'in', ...name.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      fs.utimesSync(file, MTIME, MTIME);
    }
    first = build('first.pkg');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('opens to the ZIP whose SHA-256 build printed, holding every file byte for byte with a true manifest', () => {
    expect(first.files).toBe(files.size);
    expect(first.zipSha256).toMatch(/^[0-9a-f]{64}$/);
    const zip = path.join(root, 'first.zip');
    const opened = cli('package', 'open', path.join(root, 'first.pkg'), '--out', zip, '--json');
    expect(opened.status).toBe(0);
    expect(JSON.parse(opened.stdout).sha256).toBe(first.zipSha256);
    expect(sha256(fs.readFileSync(zip))).toBe(first.zipSha256);
    const tested = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);

    const read = spawnSync('python3', ['-c', READ_ZIP, zip], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(read.status, read.stderr).toBe(0);
    const entries = new Map(
      Object.entries(JSON.parse(read.stdout) as Record<string, string>).map(([name, b64]) => [
        name,
        Buffer.from(b64, 'base64'),
      ]),
    );
    expect([...entries.keys()].sort()).toEqual([...files.keys(), 'manifest.json'].sort());
    for (const [name, content] of files) expect(entries.get(name)!.equals(content), name).toBe(true);

    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
    expect(manifest.files.map((f) => f.path).sort()).toEqual([...files.keys()].sort());
    for (const listed of manifest.files) {
      expect(listed.bytes, listed.path).toBe(files.get(listed.path)!.length);
      expect(listed.sha256, listed.path).toBe(sha256(files.get(listed.path)!));
    }
  });

  it('keeps nothing readable at rest: no ZIP structure, names, CSV text or stored bytes in the package file', () => {
    const sealed = fs.readFileSync(path.join(root, 'first.pkg'));
    const zip = fs.readFileSync(path.join(root, 'first.zip'));
    const stored = files.get('blobs/deep/er/random.bin')!.subarray(100_000, 104_096);
    expect(zip.includes(stored)).toBe(true); // random bytes go into the ZIP as they are: a fair probe
    for (const probe of [
      stored,
      Buffer.from('PK\x03\x04', 'latin1'),
      Buffer.from('élève-Zoë.csv'),
      Buffer.from('manifest.json'),
      Buffer.from('Élève Numéro 1'),
      Buffer.from('student_id'),
    ]) {
      expect(sealed.includes(probe), probe.toString('utf8').slice(0, 20)).toBe(false);
    }
  });

  it('gives the same ZIP SHA-256 for the same folder, under fresh encryption each time', () => {
    const second = build('second.pkg');
    expect(second.zipSha256).toBe(first.zipSha256);
    expect(fs.readFileSync(path.join(root, 'second.pkg')).equals(fs.readFileSync(path.join(root, 'first.pkg')))).toBe(
      false,
    );
  });

  it('refuses a package with one byte altered, and leaves no ZIP behind at --out', () => {
    const sealed = fs.readFileSync(path.join(root, 'first.pkg'));
    const at = Math.floor(sealed.length * 0.7); // in a later frame: the frames before it authenticate
    sealed[at] = sealed[at]! ^ 0x01;
    const dir = fs.mkdtempSync(path.join(root, 'tampered-'));
    fs.writeFileSync(path.join(dir, 'altered.pkg'), sealed);
    const opened = cli('package', 'open', path.join(dir, 'altered.pkg'), '--out', path.join(dir, 'altered.zip'));
    expect(opened.status).not.toBe(0);
    expect(opened.stderr).toMatch(/^error: frame \d+ does not authenticate: the file was altered/);
    expect(opened.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual(['altered.pkg']); // no ZIP, whole or partial, and no leftover
  });

  it('names a missing folder and writes no package', () => {
    const missing = path.join(root, 'no-such-folder');
    const built = cli('package', 'build', missing, '--out', path.join(root, 'missing.pkg'));
    expect(built.status).not.toBe(0);
    expect(built.stderr).toContain('no such file or directory');
    expect(built.stderr).toContain(missing);
    expect(fs.existsSync(path.join(root, 'missing.pkg'))).toBe(false);
  });
});
