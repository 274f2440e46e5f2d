// One timed packaging run for bench/roster.ts, in its own process so that its peak RSS is its own: the folder
// packaged as `disposition package build` does (infra/package/folder-package.ts), and with a roster, matched in the
// same pass as the build activity does it (activities/build-return-package.ts).
// Usage: node --require tsx/cjs bench/roster-child.ts DIR OUT KEYS_DIR [ROSTER_KEYS]  → one line of JSON on stdout.
// ROSTER_KEYS holds the roster's keys as the roster store keeps them (packed when it was attached).
import fs from 'node:fs';
import { Keyring } from '../infra/keys/keys';
import { packageFolder } from '../infra/package/folder-package';
import { RosterMatchThread } from '../infra/package/roster-match-thread';

function peakRssMiB(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Math.max(process.resourceUsage().maxRSS, hwm ? Number(hwm[1]) : 0) / 1024;
}

async function main(): Promise<void> {
  const [dir, outFile, keysDir, rosterFile] = process.argv.slice(2);
  if (!dir || !outFile || !keysDir) throw new Error('usage: roster-child.ts DIR OUT KEYS_DIR [ROSTER_KEYS]');
  const started = process.hrtime.bigint();
  // The keys as the activity reads them from the roster store, before the first byte is packaged; the students
  // themselves are not read.
  const startMatch = (file: string) => {
    const packed = fs.readFileSync(file);
    return {
      size: packed.readUInt32LE(0) /* the packed keys begin with the number of students */,
      thread: new RosterMatchThread(packed),
    };
  };
  const roster = rosterFile ? startMatch(rosterFile) : undefined;
  const match = roster?.thread;
  const built = await packageFolder(
    dir,
    outFile,
    Keyring.open(keysDir),
    match ? { scan: (name) => match.scannerFor(name) } : {},
  );
  const found = match ? await match.finish() : undefined;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `${JSON.stringify({
      ...built,
      seconds,
      peakRssMiB: peakRssMiB(),
      ...(found && roster ? { students: roster.size, returned: found.returned, missing: found.missing.length } : {}),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
