// `npm run demo`: one whole case, as README's walk tells it, against the stack `npm start` runs (or starting it):
// the administrator starts the case with the CLI, the vendor acts through each task's own link from the outbox
// (acknowledge, upload per category, submit), the district accepts the return, the vendor certifies with the
// code mailed to its signatory, legal staff countersign, and the statement is saved and verified. Each step
// prints the command it stands for. `--stop` stops a stack the demo started once it is done.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../infra/config';
import { outboxShown } from '../infra/mail/outbox';
import { tokenFromLink } from '../infra/keys/link-tokens';
import { dayOf } from '../domain/dates';

const ROOT = path.resolve(__dirname, '..', ...(path.basename(path.resolve(__dirname, '..')) === 'dist' ? ['..'] : []));
const CLI = path.join(ROOT, 'bin', 'disposition.js');
const EXAMPLES = path.join(ROOT, 'examples');

/** A body from examples/, as the README's walk sends it. */
const example = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));

/** The dates of examples/certify.json that say when work was done. */
interface DatedCertification {
  destruction: { completedOn: string; systems: { completedOn?: string }[] };
  tracking: { mechanisms: { removedOn: string }[] };
}

const say = (line: string): void => console.log(line);
const step = (what: string): void => say(`\n== ${what}`);

/** Runs `disposition …` as README shows it, printing the command and what it answered. */
function disposition(args: string[], options: { stdin?: string; quiet?: boolean } = {}): Promise<string> {
  say(`$ disposition ${args.map((a) => (/^[\w./:@=-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: process.env }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new Error(`disposition ${args.slice(0, 2).join(' ')} failed: ${(stderr || stdout).trim() || err.message}`),
        );
        return;
      }
      if (!options.quiet && stdout.trim()) say(stdout.trimEnd().replace(/^/gm, '  '));
      resolve(stdout.trim());
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

/** A vendor's request, as the curl lines in README's "For vendors who script it" send it. */
async function vendor(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  say(`$ curl -X ${method} ${base}${route.replace(/\/api\/vendor\/[^/]+/, '/api/vendor/$T')}`);
  const init: RequestInit =
    body instanceof FormData
      ? { method, body }
      : body === undefined
        ? { method }
        : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await fetch(`${base}${route}`, init);
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  say(`  ${response.status} ${text.length > 160 ? `${text.slice(0, 157)}…` : text}`);
  if (response.status >= 400)
    throw new Error(`${method} ${route.split('/').pop()} answered ${response.status}: ${text}`);
  return json;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The stack `npm start` runs, started here and stopped by `--stop` or Ctrl-C. */
async function startStack(base: string): Promise<ChildProcess> {
  step('Starting the stack (npm start)');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'start'], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const show = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (/^\[(temporal|server|worker)\]/.test(line)) say(`  ${line}`);
  };
  child.stdout.on('data', show);
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const until = Date.now() + 180_000; // the first start on a machine may install the Temporal CLI
  while (!(await answers(`${base}/api/ready`))) {
    if (child.exitCode !== null) throw new Error(`npm start ended (exit ${child.exitCode}) before the server answered`);
    if (Date.now() > until) throw new Error('the server did not answer within 3 minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return child;
}

function stopStack(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** The returned data of examples/returned/ (made up: 1,200 students with names in several scripts), by category. */
const RETURNED = [
  { category: 'permanent', file: 'students.csv' },
  { category: 'electronic', file: 'reading-sessions.jsonl' },
  { category: 'access_log', file: 'access-log.csv' },
  { category: 'policies', file: 'privacy-policy.txt' },
].map(({ category, file }) => ({ category, file: path.join(EXAMPLES, 'returned', file) }));

/** examples/certify.json with its dates made today's: a certification may not precede the district's acceptance. */
function certificationOfToday(): DatedCertification {
  const body = example('certify.json') as DatedCertification;
  const day = dayOf(Date.now());
  body.destruction.completedOn = day;
  for (const system of body.destruction.systems) if (system.completedOn) system.completedOn = day;
  for (const mechanism of body.tracking.mechanisms) mechanism.removedOn = day;
  return body;
}

function rolesInWords(oidc: NonNullable<Config['oidc']>): string {
  const who = (values: string[], role: string): string[] =>
    values.length ? [`${oidc.roleClaim} ${values.map((v) => `"${v}"`).join(' or ')} makes ${role}`] : [];
  return [...who(oidc.adminValues, 'an administrator'), ...who(oidc.legalValues, 'legal staff')].join('; ');
}

/** How staff sign in once the demo is done: a passphrase made for a first administrator, or the provider's button. */
type SignIn = { passphrase: string } | { provider: string } | undefined;

async function ensureAdministrator(config: Config): Promise<SignIn> {
  if (config.oidc) {
    // Staff come through the district's provider, their accounts made at first sign-in: no password to hand out.
    // The demo's own steps use the CLI, which needs no account.
    step(`Staff sign in with ${config.oidc.name}: no local account is made`);
    return { provider: config.oidc.name };
  }
  const { openStores } = await import('../infra/database/open-stores');
  const stores = await openStores(config);
  try {
    if ((await stores.users.countUsers()) > 0) return undefined;
  } finally {
    await stores.close();
  }
  step('No staff account yet: an administrator to sign in with');
  const passphrase = `demo-${Math.random().toString(36).slice(2, 8)}-${Math.random().toString(36).slice(2, 8)}`;
  await disposition(
    ['user', 'add', '--username', 'admin', '--role', 'admin', '--email', 'admin@district.example', '--password-stdin'],
    { stdin: `${passphrase}\n` },
  );
  return { passphrase };
}

export async function main(argv: string[] = process.argv.slice(3)): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  if (!outboxShown(config))
    throw new Error(
      'the demo reads the vendor’s mail from DATA_DIR/outbox: run it with SMTP_URL and DATABASE_URL unset',
    );
  const base = `http://127.0.0.1:${config.port}`;
  const stack = (await answers(`${base}/api/ready`)) ? undefined : await startStack(base);
  if (!stack) say(`Using the stack that answers at ${base}.`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-demo-'));
  try {
    const signIn = await ensureAdministrator(config);

    step('The administrator starts the case; the notice goes to the vendor');
    const { caseId } = JSON.parse(
      await disposition(['case', 'start', '--file', path.join(EXAMPLES, 'case.json'), '--json'], { quiet: true }),
    ) as { caseId: string };
    say(`  caseId ${caseId}`);

    step('The vendor acknowledges through the notice’s link');
    let link = await disposition(['outbox', 'link', caseId, '--task', 'acknowledge']);
    await vendor(base, 'GET', `/api/vendor/${tokenFromLink(link)}`);
    await vendor(base, 'POST', `/api/vendor/${tokenFromLink(link)}/acknowledge`, example('acknowledge.json'));

    step('The vendor returns the data by category, through the return task’s own link');
    link = await disposition(['outbox', 'link', caseId, '--task', 'return']);
    for (const { category, file } of RETURNED) {
      const form = new FormData();
      form.set('category', category);
      form.set('file', new Blob([fs.readFileSync(file)]), path.basename(file));
      await vendor(base, 'POST', `/api/vendor/${tokenFromLink(link)}/files`, form);
    }
    await vendor(base, 'POST', `/api/vendor/${tokenFromLink(link)}/submit-return`, example('submit-return.json'));

    step('The district reviews the returned data and accepts it');
    await disposition(['case', 'wait', caseId, '--status', 'awaiting_review']);
    await disposition(['case', 'review', caseId, '--accept']);
    const returned = path.join(work, 'returned.zip');
    await disposition(['package', 'get', caseId, '-o', returned]);

    step('The vendor certifies destruction, with the code mailed to its signatory');
    link = await disposition(['outbox', 'link', caseId, '--task', 'certify']);
    const certification = certificationOfToday();
    await vendor(base, 'POST', `/api/vendor/${tokenFromLink(link)}/certify`, certification);
    const code = await disposition(['outbox', 'code', caseId]);
    await vendor(base, 'POST', `/api/vendor/${tokenFromLink(link)}/certify`, {
      ...certification,
      verificationCode: code,
    });

    step('Legal staff countersign; the statement is issued');
    await disposition(['case', 'wait', caseId, '--status', 'awaiting_signoff']);
    await disposition(['case', 'sign', caseId, '--note', 'Checked against the contract file']);
    await disposition(['case', 'wait', caseId, '--status', 'completed']);
    const statement = path.resolve(ROOT, `statement-${caseId}.pdf`);
    await disposition(['statement', 'get', caseId, '-o', statement]);
    await disposition(['statement', 'verify', statement]);

    step(`Done in ${Math.round((Date.now() - started) / 1000)} s`);
    say(`  The case:      ${config.publicUrl}/cases/${caseId}`);
    say(`  The statement: ${statement}`);
    if (signIn && 'passphrase' in signIn) say(`  Sign in as admin with the passphrase ${signIn.passphrase}`);
    if (signIn && 'provider' in signIn) say(`  Sign in with ${signIn.provider}: ${rolesInWords(config.oidc!)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (!stack) return;
  if (argv.includes('--stop')) {
    await stopStack(stack);
    return;
  }
  say('\nThe stack keeps running for you to look around; Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    const stop = (): void => void stopStack(stack).then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    stack.once('exit', () => resolve());
  });
}
