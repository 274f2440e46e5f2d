// npm run bench:roster [-- --students 100000 --gib 2 --runs 2 --dir DIR --clean]
//
// Packaging with a roster against packaging without one, on the same generated return in the same run: a OneRoster
// 1.1 users.csv of `--students` students (and a teacher for every 25), and `--gib` GiB of returned CSV and JSON Lines
// that name every student but each tenth one, by sourcedId in some rows and by identifier (a number) in others.
// Each packaging is its own process (bench/roster-child.ts), the two kinds in turn, each run in the other order;
// prints the median seconds of each, their ratio, each one's peak RSS and their difference, and checks that the
// match found exactly the students the data names. Goal (issue 28): within 1.15x the time, at most +150 MiB.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { utf8Text } from '../domain/csv';
import { readRoster, rosterKeys } from '../domain/roster';
import { packRosterKeys } from '../infra/package/roster-matcher';

const GOAL_RATIO = 1.15;
const GOAL_EXTRA_MIB = 150;
const MiB = 1024 * 1024;
const FILE_BYTES = 128 * MiB;

const { values } = parseArgs({
  options: {
    students: { type: 'string', default: '100000' },
    gib: { type: 'string', default: '2' },
    runs: { type: 'string', default: '2' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'disposition-bench-roster') },
    clean: { type: 'boolean', default: false },
  },
});
const students = Number(values.students);
const gib = Number(values.gib);
const runs = Number(values.runs);
if (!Number.isInteger(students) || students < 10) throw new Error('--students: a whole number, at least 10');
if (!(gib > 0 && gib <= 64)) throw new Error('--gib: more than 0, at most 64');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a whole number, at least 1');

const sourcedId = (i: number): string => `U-${String(i).padStart(7, '0')}`;
const identifier = (i: number): number => 500_000_000 + i;
/** Every tenth student is missing from the data. */
const named = (i: number): boolean => i % 10 !== 0;

function writeRoster(file: string): void {
  const out = fs.openSync(file, 'w');
  fs.writeSync(
    out,
    'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n',
  );
  let chunk = '';
  for (let i = 0; i < students; i += 1) {
    chunk += `${sourcedId(i)},,2026-08-01,true,school-1,student,s${i},,Given${i},Family${i},,${identifier(i)},,,,,09,\n`;
    if (i % 25 === 0) chunk += `T-${i},,2026-08-01,true,school-1,teacher,t${i},,Teacher,Number${i},,T${i},,,,,,\n`;
    if (chunk.length > MiB) {
      fs.writeSync(out, chunk);
      chunk = '';
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
}

/** The returned files: CSV and JSON Lines in turn, FILE_BYTES each, cycling through the named students. */
function writeReturn(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const total = gib * 1024 * MiB;
  let next = 0;
  const student = (): number => {
    do next = (next + 1) % students;
    while (!named(next));
    return next;
  };
  for (let f = 0, written = 0; written < total; f += 1) {
    const jsonl = f % 2 === 1;
    const file = path.join(dir, jsonl ? `scores-${f}.jsonl` : `enrollments-${f}.csv`);
    const out = fs.openSync(file, 'w');
    let bytes = 0;
    if (!jsonl) bytes += fs.writeSync(out, 'student,course,score,taken_on\n');
    while (bytes < FILE_BYTES && written + bytes < total) {
      let chunk = '';
      while (chunk.length < MiB) {
        const i = student();
        const score = (i * 7) % 100;
        chunk += jsonl
          ? `{"identifier":${identifier(i)},"course":"course-${i % 40}","score":${score},"term":"2025-26"}\n`
          : `${sourcedId(i)},course-${i % 40},${score},2026-05-${String((i % 28) + 1).padStart(2, '0')}\n`;
      }
      bytes += fs.writeSync(out, chunk);
    }
    fs.closeSync(out);
    written += bytes;
  }
}

/**
 * The roster read as attaching reads it (timed: the district waits for it), its keys packed as the store keeps them
 * beside its students.
 */
function attach(usersCsv: string, keysFile: string): number {
  const started = performance.now();
  const roster = readRoster({ users: utf8Text(fs.readFileSync(usersCsv)) });
  fs.writeFileSync(keysFile, packRosterKeys(roster.students.map(rosterKeys)));
  return (performance.now() - started) / 1000;
}

function ensureInputs(): { data: string; roster: string; attachSeconds: number } {
  const marker = `students ${students}, ${gib} GiB, v1`;
  const markerFile = path.join(values.dir, 'made.txt');
  const data = path.join(values.dir, 'return');
  const roster = path.join(values.dir, 'users.csv');
  if (values.clean || !fs.existsSync(markerFile) || fs.readFileSync(markerFile, 'utf8') !== marker) {
    fs.rmSync(values.dir, { recursive: true, force: true });
    fs.mkdirSync(values.dir, { recursive: true });
    const started = Date.now();
    console.log(
      `bench:roster: writing a roster of ${students} students and ${gib} GiB of returned data in ${values.dir}…`,
    );
    writeRoster(roster);
    writeReturn(data);
    fs.writeFileSync(markerFile, marker);
    console.log(`  written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const keysFile = path.join(values.dir, 'roster-keys.bin');
  return { data, roster: keysFile, attachSeconds: attach(roster, keysFile) };
}

interface Run {
  seconds: number;
  peakRssMiB: number;
  zipSha256: string;
  students?: number;
  returned?: number;
  missing?: number;
}

function packageOnce(data: string, roster?: string): Run {
  const out = path.join(values.dir, 'out.zip.enc');
  const keys = path.join(values.dir, 'keys');
  const child = spawnSync(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(__dirname, 'roster-child.ts'), data, out, keys, ...(roster ? [roster] : [])],
    { encoding: 'utf8', maxBuffer: 16 * MiB },
  );
  fs.rmSync(out, { force: true });
  if (child.status !== 0) throw new Error(`the packaging child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Run;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function main(): void {
  const { data, roster, attachSeconds } = ensureInputs();
  const plain: Run[] = [];
  const matched: Run[] = [];
  const load = os.loadavg()[0]!;
  for (let r = 0; r < runs; r += 1) {
    // In turn, each run in the other order: a machine that slows down does not favour one kind.
    const order = r % 2 === 0 ? (['plain', 'roster'] as const) : (['roster', 'plain'] as const);
    for (const kind of order) {
      const run = kind === 'plain' ? packageOnce(data) : packageOnce(data, roster);
      (kind === 'plain' ? plain : matched).push(run);
      console.log(
        `  run ${r + 1} ${kind.padEnd(6)} ${run.seconds.toFixed(1)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  }
  const last = matched.at(-1)!;
  const expectedMissing = Array.from({ length: students }, (_, i) => i).filter((i) => !named(i)).length;
  const plainSeconds = median(plain.map((r) => r.seconds));
  const rosterSeconds = median(matched.map((r) => r.seconds));
  const plainRss = Math.max(...plain.map((r) => r.peakRssMiB));
  const rosterRss = Math.max(...matched.map((r) => r.peakRssMiB));
  const ratio = rosterSeconds / plainSeconds;
  const extra = rosterRss - plainRss;
  console.log(
    `\nbench:roster  ${new Date().toISOString().slice(0, 10)}  ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}  Node ${process.version}  load average before ${load.toFixed(2)}`,
  );
  console.log(`${students} students on the roster, ${gib} GiB of CSV and JSON Lines returned, ${runs} run(s) of each`);
  console.log(
    `reading the roster's users.csv when it is attached (not part of packaging): ${attachSeconds.toFixed(2)} s\n`,
  );
  console.log('packaging              seconds (median)  peak RSS MiB');
  console.log(`without a roster       ${plainSeconds.toFixed(1).padStart(16)}  ${plainRss.toFixed(0).padStart(12)}`);
  console.log(`with the roster        ${rosterSeconds.toFixed(1).padStart(16)}  ${rosterRss.toFixed(0).padStart(12)}`);
  console.log(
    `\nratio ${ratio.toFixed(3)} (goal ≤ ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}); memory ${extra >= 0 ? '+' : ''}${extra.toFixed(0)} MiB (goal ≤ +${GOAL_EXTRA_MIB}: ${extra <= GOAL_EXTRA_MIB ? 'met' : 'NOT met'})`,
  );
  const exact = last.returned === students - expectedMissing && last.missing === expectedMissing;
  console.log(
    `match: ${last.returned} of ${last.students} students returned, ${last.missing} missing (expected ${expectedMissing}): ${exact ? 'exact' : 'WRONG'}`,
  );
  if (
    plain.some((r) => r.zipSha256 !== plain[0]!.zipSha256) ||
    matched.some((r) => r.zipSha256 !== plain[0]!.zipSha256)
  )
    throw new Error('the packages differ between runs: matching must not change what is packaged');
  if (!exact) process.exitCode = 1;
}

main();
