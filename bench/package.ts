// npm run bench:package [-- --size 1|4 (GiB per tree) --runs 3 --tree all|large|small --skip-verify --clean
//                          --node-options "--max-semi-space-size=8" (V8/Node flags for the Disposition process)]
//
// Times Info-ZIP `zip -1 -r` and Disposition's whole packaging path (ZIP + manifest + SHA-256 + encryption
// at rest, as `disposition package build` runs it) on the same generated trees in the same run, and prints
// MiB/s of each, their ratio, the output sizes and Disposition's peak RSS. Each Disposition run is its own
// process (bench/package-child.ts); both are timed by the wall clock around the process, start-up included.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createDecryptStream } from '../infra/keys/encryption-at-rest';
import { Keyring } from '../infra/keys/keys';
import { ensureTree, treeSpecs, warmTree, type TreeSpec } from './package-trees';

const GOAL_RATIO = 1.0;
const GOAL_SIZE_PERCENT = 2;
const GOAL_RSS_MIB = 160;
const MiB = 1024 * 1024;

interface Args {
  size: number;
  runs: number;
  tree: 'all' | 'large' | 'small';
  baseDir: string;
  verify: boolean;
  clean: boolean;
  nodeOptions: string[];
}

function readArgs(): Args {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      tree: { type: 'string', default: 'all' },
      dir: { type: 'string', default: path.join(os.tmpdir(), 'disposition-bench-package') },
      'skip-verify': { type: 'boolean', default: false },
      clean: { type: 'boolean', default: false },
      'node-options': { type: 'string', default: '' },
    },
  });
  const size = Number(values.size);
  const runs = Number(values.runs);
  if (!Number.isInteger(size) || size < 1 || size > 64) throw new Error('--size: whole GiB per tree, 1 to 64');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a whole number, at least 1');
  if (!['all', 'large', 'small'].includes(values.tree)) throw new Error('--tree: all, large or small');
  const nodeOptions = values['node-options'].split(/\s+/).filter(Boolean);
  return {
    size,
    runs,
    tree: values.tree as Args['tree'],
    baseDir: values.dir,
    verify: !values['skip-verify'],
    clean: values.clean,
    nodeOptions,
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await run();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

function runProcess(command: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code ?? signal}`)),
    );
  });
}

interface DispositionRun {
  files: number;
  zipBytes: number;
  zipSha256: string;
  encryptedBytes: number;
  seconds: number;
  peakRssMiB: number;
}

async function runZip(spec: TreeSpec, out: string): Promise<{ seconds: number; bytes: number }> {
  fs.rmSync(out, { force: true });
  const { seconds } = await timed(() => runProcess('zip', ['-1', '-r', '-q', out, '.'], { cwd: spec.dir }));
  const bytes = fs.statSync(out).size;
  fs.rmSync(out, { force: true });
  return { seconds, bytes };
}

async function runDisposition(
  spec: TreeSpec,
  out: string,
  keysDir: string,
  keep: boolean,
  nodeOptions: string[],
): Promise<{ seconds: number; run: DispositionRun }> {
  fs.rmSync(out, { force: true });
  const child = path.join(__dirname, 'package-child.ts');
  const { seconds, result } = await timed(() =>
    runProcess(process.execPath, [...nodeOptions, '--require', 'tsx/cjs', child, spec.dir, out, keysDir]),
  );
  const run = JSON.parse(result.trim().split('\n').at(-1)!) as DispositionRun;
  if (!keep) fs.rmSync(out, { force: true });
  return { seconds, run };
}

/** Decrypts the package and asks unzip and Python's zipfile to test every entry. */
async function verify(encrypted: string, keysDir: string, expectedEntries: number): Promise<string> {
  const zip = `${encrypted}.zip`;
  try {
    await pipeline(
      fs.createReadStream(encrypted),
      createDecryptStream(Keyring.open(keysDir)),
      fs.createWriteStream(zip),
    );
    const unzip = spawnSync('unzip', ['-tqq', zip], { encoding: 'utf8' });
    if (unzip.status !== 0) return `unzip -t FAILED: ${unzip.stdout}${unzip.stderr}`;
    const python = spawnSync(
      'python3',
      [
        '-c',
        'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); bad=z.testzip(); print(len(z.infolist())); sys.exit(1 if bad else 0)',
        zip,
      ],
      { encoding: 'utf8' },
    );
    if (python.status !== 0) return `python zipfile FAILED: ${python.stdout}${python.stderr}`;
    const entries = Number(python.stdout.trim());
    if (entries !== expectedEntries) return `FAILED: ${entries} entries, expected ${expectedEntries}`;
    return `unzip -t and Python zipfile accept all ${entries.toLocaleString('en-US')} entries`;
  } finally {
    fs.rmSync(zip, { force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const bytes = (n: number): string => n.toLocaleString('en-US');

function machine(): string {
  const model =
    /model name\s*:\s*(.*)/.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ??
    os.cpus()[0]?.model ??
    'unknown CPU';
  const zip =
    spawnSync('zip', ['-v'], { encoding: 'utf8' })
      .stdout.split('\n')
      .find((l) => /^This is Zip/.test(l))
      ?.replace(/^This is /, '')
      .replace(/, by Info-ZIP\.?/, '') ?? 'zip';
  return `${os.availableParallelism()} cores (${model}), ${fmt(os.totalmem() / 1024 ** 3, 0)} GiB RAM, Node ${process.version}, ${zip}`;
}

async function main(): Promise<void> {
  const args = readArgs();
  const loadBefore = os.loadavg()[0]!;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-bench-out-'));
  const keysDir = path.join(work, 'keys');
  const specs = treeSpecs(args.baseDir, args.size).filter(
    (s) => args.tree === 'all' || s.dir.includes(`${args.tree}-files`),
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  const verdicts: string[] = [];
  try {
    for (const spec of specs) {
      const total = ensureTree(spec, log);
      log(`${spec.label}: warming the page cache …`);
      warmTree(spec);
      const zipRuns: { seconds: number; bytes: number }[] = [];
      const ours: { seconds: number; run: DispositionRun }[] = [];
      const out = path.join(work, 'package.zip.enc');
      for (let i = 0; i < args.runs; i += 1) {
        zipRuns.push(await runZip(spec, path.join(work, 'zip-1.zip')));
        log(`${spec.label}: zip -1 run ${i + 1}: ${fmt(zipRuns.at(-1)!.seconds, 2)} s`);
        ours.push(await runDisposition(spec, out, keysDir, i === args.runs - 1 && args.verify, args.nodeOptions));
        log(
          `${spec.label}: Disposition run ${i + 1}: ${fmt(ours.at(-1)!.seconds, 2)} s, peak RSS ${fmt(ours.at(-1)!.run.peakRssMiB)} MiB`,
        );
      }
      const zipSeconds = median(zipRuns.map((r) => r.seconds));
      const ourSeconds = median(ours.map((r) => r.seconds));
      const zipRate = total / MiB / zipSeconds;
      const ourRate = total / MiB / ourSeconds;
      const ratio = ourRate / zipRate;
      const last = ours.at(-1)!.run;
      const zipBytes = zipRuns.at(-1)!.bytes;
      const sizeDelta = ((last.encryptedBytes - zipBytes) / zipBytes) * 100;
      const peak = Math.max(...ours.map((r) => r.run.peakRssMiB));
      rows.push([
        spec.label,
        fmt(total / MiB, 0),
        `${fmt(zipRate)} (${fmt(zipSeconds, 2)} s)`,
        `${fmt(ourRate)} (${fmt(ourSeconds, 2)} s)`,
        `**${fmt(ratio, 2)}**`,
        bytes(zipBytes),
        `${bytes(last.zipBytes)} / ${bytes(last.encryptedBytes)}`,
        `${sizeDelta >= 0 ? '+' : ''}${fmt(sizeDelta, 2)}%`,
        fmt(peak),
      ]);
      const hashes = new Set(ours.map((r) => r.run.zipSha256));
      notes.push(
        `${spec.label}: ZIP SHA-256 ${last.zipSha256}${args.runs > 1 ? (hashes.size === 1 ? ` (the same in all ${args.runs} runs)` : ' (DIFFERS between runs!)') : ''}`,
      );
      if (args.verify) notes.push(`${spec.label}: ${await verify(out, keysDir, spec.files + 1)}`);
      fs.rmSync(out, { force: true });
      verdicts.push(
        `${spec.label}: ratio ${fmt(ratio, 2)} ${ratio >= GOAL_RATIO ? '≥' : '<'} ${fmt(GOAL_RATIO, 1)} ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}; ` +
          `size ${sizeDelta >= 0 ? '+' : ''}${fmt(sizeDelta, 2)}% ${sizeDelta <= GOAL_SIZE_PERCENT ? 'met' : 'NOT met'} (≤ +${GOAL_SIZE_PERCENT}%); ` +
          `peak RSS ${fmt(peak)} MiB ${peak <= GOAL_RSS_MIB ? 'met' : 'NOT met'} (≤ ${GOAL_RSS_MIB} MiB)`,
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    if (args.clean) {
      for (const spec of specs) {
        fs.rmSync(spec.dir, { recursive: true, force: true });
        fs.rmSync(`${spec.dir}.ready`, { force: true });
      }
    }
  }

  const header = [
    'tree',
    'MiB',
    'zip -1 MiB/s',
    'Disposition MiB/s',
    'ratio',
    'zip -1 bytes',
    'Disposition ZIP / encrypted bytes',
    'size vs zip -1',
    'peak RSS MiB',
  ];
  const lines = [
    `Return package vs Info-ZIP zip -1: ${args.size} GiB per tree, median of ${args.runs} run(s), ${new Date().toISOString().slice(0, 10)}` +
      (args.nodeOptions.length
        ? `; Disposition run with node ${args.nodeOptions.join(' ')}`
        : '; Disposition run with Node defaults'),
    `Machine: ${machine()}; load average ${fmt(loadBefore, 2)} at the start, ${fmt(os.loadavg()[0]!, 2)} at the end (other work on the machine slows both tools)`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...notes,
    ...verdicts,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
