// `npm run temporal:cli`: make sure the Temporal CLI is here (CI runs this before the tests).
import { spawnSync } from 'node:child_process';
import { obtainTemporalCli } from './temporal-cli';

try {
  const cli = obtainTemporalCli();
  const version = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  console.log(`${cli}: ${version.stdout.trim()}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
