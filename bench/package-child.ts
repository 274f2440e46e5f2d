// One timed Disposition run for bench/package.ts, in its own process so that its peak RSS is its own:
// the packaging path of `disposition package build DIR --out FILE` (client/cli.ts buildPackageOfFolder),
// writeReturnPackage → encryption at rest → file, without the CLI's other imports (Temporal client, SQLite).
// Usage: node --require tsx/cjs bench/package-child.ts DIR OUT KEYS_DIR   → one line of JSON on stdout.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from '../infra/encryption-at-rest';
import { Keyring } from '../infra/keys';
import { writeReturnPackage } from '../infra/return-package';

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) found.push(relative);
  }
  return found;
}

function peakRssMiB(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Math.max(process.resourceUsage().maxRSS, hwm ? Number(hwm[1]) : 0) / 1024;
}

async function main(): Promise<void> {
  const [dir, outFile, keysDir] = process.argv.slice(2);
  if (!dir || !outFile || !keysDir) throw new Error('usage: package-child.ts DIR OUT KEYS_DIR');
  const startRssMiB = peakRssMiB();
  const started = process.hrtime.bigint();
  const keyring = Keyring.open(keysDir);
  const root = path.resolve(dir);
  const entries = [];
  for (const relative of await listFiles(root)) {
    const full = path.join(root, relative);
    const stat = await fsp.stat(full);
    entries.push({ fileId: relative, category: '', name: relative.split(path.sep).join('/'), bytes: stat.size, stagedAt: Math.floor(stat.mtimeMs / 1000) * 1000, open: () => fs.createReadStream(full) });
  }
  const encrypt = createEncryptStream(keyring);
  const written = pipeline(encrypt, fs.createWriteStream(outFile, { mode: 0o600 }));
  const built = await writeReturnPackage(entries, encrypt);
  await written;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ files: entries.length, zipBytes: built.zipBytes, zipSha256: built.zipSha256, encryptedBytes: fs.statSync(outFile).size, seconds, startRssMiB, peakRssMiB: peakRssMiB() })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
