// What every service of `npm run services:up` needs: binaries built once into a cache outside the checkout (reused
// by later clones and CI runs on this machine), runtime state under .services/, daemons that outlive the command.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { portAnswers } from '../dev-server';
import { PROJECT_ROOT } from '../temporal-cli';

export type Log = (line: string) => void;

/** `${XDG_CACHE_HOME:-~/.cache}/disposition/services`: built binaries, one folder per name and version. */
export const SERVICES_CACHE = path.join(
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
  'disposition',
  'services',
);

/** Runtime state of the services started from this checkout (data, logs, pid files, the env file). */
export const SERVICES_STATE = path.join(PROJECT_ROOT, '.services');

/** Binaries `go install` builds from `packages` at `version`, kept as one folder of the cache. */
export interface GoBinaries {
  name: string;
  version: string;
  packages: string[];
  binaries: string[];
  /** How long a build takes on two cores with an empty Go cache, for the line printed before it. */
  minutes: number;
}

const goBinariesDir = (spec: GoBinaries): string => path.join(SERVICES_CACHE, `${spec.name}-${spec.version}`);

const goBinariesBuilt = (spec: GoBinaries): boolean =>
  spec.binaries.every((b) => fs.existsSync(path.join(goBinariesDir(spec), b)));

/**
 * `go install`'s arguments: without the symbol table and DWARF (`-s -w`), which the services never need and whose
 * writing is a good part of linking binaries this large, and without local paths in them (`-trimpath`).
 */
const goInstallArgs = (spec: GoBinaries): string[] => [
  'install',
  '-trimpath',
  '-ldflags=-s -w',
  ...spec.packages.map((p) => `${p}@${spec.version}`),
];

/** The command that builds `spec` by hand, as a failure or a missing build names it. */
const goInstallCommand = (spec: GoBinaries): string =>
  `GOBIN=${goBinariesDir(spec)} go ${goInstallArgs(spec)
    .map((arg) => (arg.includes(' ') ? `'${arg}'` : arg))
    .join(' ')}`;

/** A service binary the run needs and nobody built: tests never build one (a hook would wait minutes). */
export class ServiceNotBuiltError extends Error {
  constructor(spec: GoBinaries) {
    super(
      `${spec.name} ${spec.version} is not built on this machine (looked in ${goBinariesDir(spec)}); build it first with ` +
        `\`npm run services:build -- ${spec.name}\` (about ${spec.minutes} minutes once)`,
    );
    this.name = 'ServiceNotBuiltError';
  }
}

/**
 * The folder holding `spec`'s binaries. Built on the spot only when `build` is set (`npm run services:up`, the
 * benchmarks, `npm run services:build`); otherwise a missing build is a ServiceNotBuiltError naming the command.
 * The build goes to a `.partial` folder renamed when complete, so an interrupted build is never taken for one.
 */
export function cachedGoBinaries(spec: GoBinaries, options: { build: boolean; log: Log }): string {
  const dir = goBinariesDir(spec);
  if (goBinariesBuilt(spec)) return dir;
  if (!options.build) throw new ServiceNotBuiltError(spec);
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  options.log(
    `building ${spec.name} ${spec.version} with go install into ${dir} (once on this machine; about ${spec.minutes} minutes) …`,
  );
  const result = spawnSync('go', goInstallArgs(spec), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: partial },
  });
  if (result.error || result.status !== 0) {
    const missing = result.error !== undefined && 'code' in result.error && result.error.code === 'ENOENT';
    const why = missing
      ? 'go is not on PATH'
      : (result.error?.message ?? `go install exited ${result.status ?? result.signal}`);
    throw new Error(
      `building ${spec.name} ${spec.version} failed: ${why}. It needs Go 1.26 or later and the Go module proxy; retry with ` +
        `\`npm run services:build -- ${spec.name}\`, or by hand: ${goInstallCommand(spec)}`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return dir;
}

/** A process that outlives this one: its output to `logFile`, its pid written beside it. */
export function startDaemon(options: {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
  uid?: number;
  gid?: number;
}): number {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = fs.openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(options.pidFile, `${child.pid}\n`);
  return child.pid!;
}

/** A state file this checkout wrote earlier, or undefined when there is none (or it cannot be read). */
export function readStateFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until something listens on 127.0.0.1:`port`, or fails naming the service and its log. */
export async function waitForPort(
  port: number,
  what: string,
  logFile: string,
  timeoutMs = 60_000,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portAnswers(port))) {
    const tail = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '(no log)');
    if (!alive())
      throw new Error(`${what} exited before it listened on ${port}; its log (${logFile}) ends:\n${tail()}`);
    if (Date.now() > deadline)
      throw new Error(
        `${what} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s; its log (${logFile}) ends:\n${tail()}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
