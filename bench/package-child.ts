// One timed Disposition run for bench/package.ts, in its own process so that its peak RSS is its own:
// the packaging path of `disposition package build DIR --out FILE` (infra/package/folder-package.ts),
// writeReturnPackage → encryption at rest → file, without the CLI's other imports (Temporal client, SQLite).
// Usage: node --require tsx/cjs bench/package-child.ts DIR OUT KEYS_DIR   → one line of JSON on stdout.
import fs from 'node:fs';
import { packageFolder } from '../infra/package/folder-package';
import { Keyring } from '../infra/keys/keys';

function peakRssMiB(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Math.max(process.resourceUsage().maxRSS, hwm ? Number(hwm[1]) : 0) / 1024;
}

async function main(): Promise<void> {
  const [dir, outFile, keysDir] = process.argv.slice(2);
  if (!dir || !outFile || !keysDir) throw new Error('usage: package-child.ts DIR OUT KEYS_DIR');
  const startRssMiB = peakRssMiB();
  const started = process.hrtime.bigint();
  const built = await packageFolder(dir, outFile, Keyring.open(keysDir));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ ...built, encryptedBytes: fs.statSync(outFile).size, seconds, startRssMiB, peakRssMiB: peakRssMiB() })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
