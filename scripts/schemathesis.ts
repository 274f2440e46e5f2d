// schemathesis 4.x, the fuzzer `npm run test:fuzz` drives, under .fuzz/pip: installed with pip the first time
// (`npm run services:build` does it up front in CI).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './temporal-cli';

const PIP_DIR = path.join(PROJECT_ROOT, '.fuzz', 'pip');
const SCHEMATHESIS = 'schemathesis>=4,<5';

/** The environment under which python3 finds this checkout's schemathesis. */
export const pythonEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONPATH: [PIP_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
  PYTHONDONTWRITEBYTECODE: '1',
});

export const schemathesisInstallCommand = `python3 -m pip install --target .fuzz/pip '${SCHEMATHESIS}'`;

/** The installed version, installing it first when there is none. */
export function obtainSchemathesis(log: (line: string) => void): string {
  const version = (): string | undefined => {
    const result = spawnSync('python3', ['-m', 'schemathesis.cli', '--version'], {
      env: pythonEnv(),
      encoding: 'utf8',
    });
    const match = /version (4\.\S+)/.exec(result.stdout ?? '');
    return result.status === 0 && match ? match[1] : undefined;
  };
  const found = version();
  if (found) return `${found} (${path.relative(PROJECT_ROOT, PIP_DIR)})`;
  log(`installing ${SCHEMATHESIS} under ${path.relative(PROJECT_ROOT, PIP_DIR)} (once; about a minute) …`);
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--upgrade', '--target', PIP_DIR, SCHEMATHESIS],
    { stdio: 'inherit' },
  );
  const installed = pip.status === 0 ? version() : undefined;
  if (!installed)
    throw new Error(
      `could not install schemathesis with pip (exit ${pip.status ?? pip.signal}); try by hand: ${schemathesisInstallCommand}`,
    );
  return `${installed} (installed under ${path.relative(PROJECT_ROOT, PIP_DIR)})`;
}
