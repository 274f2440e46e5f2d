// npm run bench:cli [-- --runs 5]
//
// The command line as people run it: `disposition` from dist/ (built first if the sources are newer), each
// run its own process, timed by the wall clock around it with its peak RSS (GNU time). Two figures, each
// beside a baseline measured in the same run, alternating run by run:
//   --help            against `node -e 0` (Node's own start: what no CLI on this Node can go under)
//   package build     on a 223 MiB tree of 3,000 mixed files (half random, half CSV), against `zip -1 -r`
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTree, warmTree, type TreeSpec } from './package-trees';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'disposition.js');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Measured {
  seconds: number;
  peakMiB: number;
}

/** One process, timed from outside, with GNU time's maximum resident set size. */
function measure(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  const kib = Number(run.stderr.trim().split('\n').at(-1));
  return { seconds, peakMiB: kib / 1024 };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      dir: { type: 'string', default: path.join(os.tmpdir(), 'disposition-bench-cli') },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a whole number, at least 1');
  // bin/ is plain CommonJS JavaScript, which runs before anything is built.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const buildState = require(path.join(ROOT, 'bin', 'build-state.js')) as {
    ensureBuilt: (log: (line: string) => void) => void;
  };
  buildState.ensureBuilt(log);

  // --help against Node's own start.
  const node: Measured[] = [];
  const help: Measured[] = [];
  for (let i = 0; i < runs * 4; i += 1) {
    node.push(measure(process.execPath, ['-e', '0']));
    help.push(measure(process.execPath, [BIN, '--help']));
  }

  // package build against zip -1, on the same tree.
  const spec: TreeSpec = {
    label: '3,000 × ~76 KB',
    dir: path.join(values.dir, 'mixed-223m'),
    files: 3000,
    fileBytes: Math.floor((223 * 1024 * 1024) / 3000),
    spread: 0.5,
  };
  const bytes = ensureTree(spec, log);
  warmTree(spec);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-bench-cli-'));
  const env = { ...process.env, DATA_DIR: path.join(work, 'data') };
  const zip: Measured[] = [];
  const built: Measured[] = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      const zipOut = path.join(work, 'out.zip');
      zip.push(measure('zip', ['-1', '-r', '-q', zipOut, '.'], { cwd: spec.dir }));
      fs.rmSync(zipOut, { force: true });
      const out = path.join(work, 'out.enc');
      built.push(measure(process.execPath, [BIN, 'package', 'build', spec.dir, '--out', out], { env }));
      fs.rmSync(out, { force: true });
      log(
        `run ${i + 1}/${runs}: zip -1 ${zip.at(-1)!.seconds.toFixed(2)} s, disposition ${built.at(-1)!.seconds.toFixed(2)} s (${built.at(-1)!.peakMiB.toFixed(1)} MiB)`,
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  const ms = (m: Measured[]): number => median(m.map((x) => x.seconds)) * 1000;
  const peak = (m: Measured[]): number => Math.max(...m.map((x) => x.peakMiB));
  const mib = bytes / 1024 ** 2;
  const rate = (m: Measured[]): number => mib / median(m.map((x) => x.seconds));
  console.log(
    `\nNode ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; medians of ${runs * 4} (--help) and ${runs} (package) runs\n`,
  );
  console.log('| command | baseline | baseline | disposition | ratio | peak RSS MiB |');
  console.log('|---|---|---:|---:|---:|---:|');
  console.log(
    `| \`--help\` | \`node -e 0\` | ${ms(node).toFixed(0)} ms | ${ms(help).toFixed(0)} ms | ${(ms(help) / ms(node)).toFixed(2)}× the time | ${peak(help).toFixed(1)} (node -e 0: ${peak(node).toFixed(1)}) |`,
  );
  console.log(
    `| \`package build\`, ${spec.label}, ${mib.toFixed(0)} MiB | \`zip -1 -r\` | ${rate(zip).toFixed(1)} MiB/s | ${rate(built).toFixed(1)} MiB/s | ${(rate(built) / rate(zip)).toFixed(2)}× the speed | ${peak(built).toFixed(1)} |`,
  );
}

try {
  main();
} catch (err) {
  console.error(`bench:cli: ${(err as Error).message}`);
  process.exit(1);
}
