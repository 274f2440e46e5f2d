// veraPDF, the PDF/A validator of the PDF Association, from Maven Central: the tests check that statements are
// PDF/A-3b with it. `npm run verapdf` fetches it once into .tools/verapdf (CI runs it before the tests); it needs
// Java and Maven (Debian: default-jre-headless, maven).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
/** The command-line validator: one self-contained jar (1.28.2 is the latest of the apps on Central). */
export const VERAPDF_ARTIFACT = 'org.verapdf.apps:greenfield-apps:1.28.2';
const JAR = path.join(TOOLS, 'verapdf', 'greenfield-apps-1.28.2.jar');

export function obtainVeraPdf(): string {
  if (fs.existsSync(JAR)) return JAR;
  for (const tool of ['java', 'mvn']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0)
      throw new Error(`veraPDF needs ${tool} on this machine (Debian: apt-get install default-jre-headless maven)`);
  }
  const fetched = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      `-Dmaven.repo.local=${path.join(TOOLS, 'm2')}`,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
      `-Dartifact=${VERAPDF_ARTIFACT}`,
      `-DoutputDirectory=${path.dirname(JAR)}`,
    ],
    { encoding: 'utf8', cwd: toolsDir() },
  );
  if (fetched.status !== 0 || !fs.existsSync(JAR))
    throw new Error(`could not fetch ${VERAPDF_ARTIFACT} from Maven Central:\n${fetched.stdout}${fetched.stderr}`);
  return JAR;
}

function toolsDir(): string {
  fs.mkdirSync(TOOLS, { recursive: true });
  return TOOLS;
}

export interface PdfAVerdict {
  compliant: boolean;
  /** The clauses of ISO 19005-3 the file fails (veraPDF's rule ids, "6.2.11.4.1-1"). */
  failedRules: string[];
  output: string;
}

/** Validates one file as PDF/A-3b (the flavour named: unnamed, veraPDF guesses from the file's own claim). */
export function validatePdfA3b(file: string): PdfAVerdict {
  const run = spawnSync(
    'java',
    [
      `-Duser.home=${path.join(TOOLS, 'verapdf-home')}`,
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      obtainVeraPdf(),
      'org.verapdf.apps.GreenfieldCliWrapper',
      '--flavour',
      '3b',
      '--format',
      'text',
      '-v',
      file,
    ],
    { encoding: 'utf8' },
  );
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0 && run.status !== 1) throw new Error(`veraPDF exited ${run.status}:\n${output}`);
  return {
    compliant: run.status === 0 && /^PASS /m.test(run.stdout),
    failedRules: [...run.stdout.matchAll(/^\s+FAIL (\S+)/gm)].map((m) => m[1]!),
    output,
  };
}

if (require.main === module) {
  try {
    console.log(`veraPDF: ${obtainVeraPdf()}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
