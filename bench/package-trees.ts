// The two trees the package benchmark times, generated from a seed (never committed): half the bytes are
// random (scans, already-compressed exports), half are CSV exports of student records. The same seed and
// size always give the same files, with the same modification times, so packages are comparable run to run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const GENERATOR = 'disposition-bench-trees/1';
const MTIME = new Date(Date.UTC(2026, 5, 30, 12, 0, 0));
const FILES_PER_FOLDER = 100;

export interface TreeSpec {
  label: string;
  dir: string;
  files: number;
  /** Size of each file, or the mean when `spread` is set (sizes uniform in mean ± spread × mean). */
  fileBytes: number;
  spread: number;
}

export function treeSpecs(baseDir: string, gib: number): TreeSpec[] {
  const total = gib * 1024 ** 3;
  return [
    {
      label: `${(1000 * gib).toLocaleString('en-US')} × 1 MiB`,
      dir: path.join(baseDir, `large-files-${gib}g`),
      files: 1000 * gib,
      fileBytes: 1024 * 1024,
      spread: 0,
    },
    {
      label: `${(20_000 * gib).toLocaleString('en-US')} × ~53 KB`,
      dir: path.join(baseDir, `small-files-${gib}g`),
      files: 20_000 * gib,
      fileBytes: Math.floor(total / (20_000 * gib)),
      spread: 0.5,
    },
  ];
}

/** splitmix32: small, fast and good enough to pick names and numbers. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const FIRST = [
  'Ana',
  'Ben',
  'Chen',
  'Dana',
  'Elif',
  'Fatima',
  'Gabriel',
  'Hana',
  'Ivan',
  'Jia',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tomas',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Lima',
  'Okafor',
  'Wei',
  'Nguyen',
  'Garcia',
  'Smith',
  'Haddad',
  'Kowalski',
  'Tanaka',
  'Mensah',
  'Ivanova',
  'Silva',
  'Patel',
  'Johansson',
  'Moreau',
  'Rossi',
  'Kim',
  'Cohen',
  'Novak',
  'Osei',
];
const SCHOOLS = [
  'Lincoln Elementary',
  'Roosevelt Middle',
  'Jefferson High',
  'Cedar Park Elementary',
  'Riverside Academy',
  'Hillcrest Middle',
  'Oak Grove High',
  'Maple Street Elementary',
];
const WORDS = [
  'reading',
  'math',
  'attendance',
  'improved',
  'needs',
  'support',
  'with',
  'homework',
  'excellent',
  'participation',
  'parent',
  'meeting',
  'scheduled',
  'goal',
  'met',
  'progress',
  'review',
  'assessment',
  'quarter',
  'science',
  'writing',
  'late',
  'absent',
  'counselor',
  'referral',
  'plan',
  'updated',
  'accommodation',
  'testing',
  'extended',
  'time',
];

function csvFile(bytes: number, seed: number): Buffer {
  const next = prng(seed);
  const pick = <T>(list: T[]): T => list[next() % list.length]!;
  const rows: string[] = [
    'student_id,last_name,first_name,birth_date,grade,school,email,guardian_phone,enrolled_on,gpa,attendance_rate,iep,notes\n',
  ];
  let length = rows[0]!.length;
  while (length < bytes) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const id = 100000 + (next() % 900000);
    const words = Array.from({ length: 2 + (next() % 9) }, () => pick(WORDS)).join(' ');
    const row =
      `${id},${last},${first},20${String(8 + (next() % 10)).padStart(2, '0')}-${String(1 + (next() % 12)).padStart(2, '0')}-${String(1 + (next() % 28)).padStart(2, '0')},` +
      `${next() % 13},${pick(SCHOOLS)},${first.toLowerCase()}.${last.toLowerCase()}${id % 1000}@students.example.org,` +
      `555-${String(next() % 1000).padStart(3, '0')}-${String(next() % 10000).padStart(4, '0')},20${10 + (next() % 16)}-08-${String(15 + (next() % 15))},` +
      `${(next() % 401) / 100},${(80 + (next() % 2001) / 100).toFixed(2)},${next() % 7 === 0 ? 'Y' : 'N'},"${words}"\n`;
    rows.push(row);
    length += row.length;
  }
  return Buffer.from(rows.join('')).subarray(0, bytes);
}

function randomFile(bytes: number, seed: number): Buffer {
  // AES-256-CTR over zeros: a seeded stream of bytes that no compressor can shrink.
  const key = crypto.createHash('sha256').update(`random-${seed}`).digest();
  const cipher = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

/** Files of the tree, in order: relative path and size. Even files are random, odd files CSV. */
function* treeFiles(spec: TreeSpec): Generator<{ relative: string; bytes: number; random: boolean; seed: number }> {
  const sizes = prng(spec.files * 7919 + spec.fileBytes);
  for (let i = 0; i < spec.files; i += 1) {
    const bytes = spec.spread
      ? Math.round(spec.fileBytes * (1 - spec.spread + (2 * spec.spread * sizes()) / 0x1_0000_0000))
      : spec.fileBytes;
    const folder = `batch-${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}`;
    const random = i % 2 === 0;
    const name = random ? `scan-${String(i).padStart(6, '0')}.bin` : `students-${String(i).padStart(6, '0')}.csv`;
    yield { relative: path.join(folder, name), bytes, random, seed: i };
  }
}

/** Writes the tree unless a complete one from the same generator is there already; returns its total bytes. */
export function ensureTree(spec: TreeSpec, log: (line: string) => void): number {
  const ready = `${spec.dir}.ready`;
  const stamp = JSON.stringify({
    generator: GENERATOR,
    files: spec.files,
    fileBytes: spec.fileBytes,
    spread: spec.spread,
  });
  if (fs.existsSync(ready) && fs.readFileSync(ready, 'utf8').startsWith(stamp))
    return Number(fs.readFileSync(ready, 'utf8').split('\n')[1]);
  log(`generating ${spec.label} in ${spec.dir} …`);
  fs.rmSync(spec.dir, { recursive: true, force: true });
  fs.rmSync(ready, { force: true });
  let total = 0;
  for (const file of treeFiles(spec)) {
    const full = path.join(spec.dir, file.relative);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, file.random ? randomFile(file.bytes, file.seed) : csvFile(file.bytes, file.seed));
    fs.utimesSync(full, MTIME, MTIME);
    total += file.bytes;
  }
  fs.writeFileSync(ready, `${stamp}\n${total}\n`);
  return total;
}

/** Reads every file once so that both tools start from the page cache, not the disk. */
export function warmTree(spec: TreeSpec): void {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (const file of treeFiles(spec)) {
    const fd = fs.openSync(path.join(spec.dir, file.relative), 'r');
    try {
      while (fs.readSync(fd, buffer) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}
