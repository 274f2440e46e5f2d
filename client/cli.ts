// `npx disposition …`: the district's command line (docs/api.md, "CLI"). `--json` prints what the API returns.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import crypto from 'node:crypto';
import { ActionUsageError, STAFF_ACTIONS, type StaffAction, type StaffActionName } from '../actions/registry';
import { USAGE } from './cli-usage';
import { DispositionError, ERROR_CODES } from '../domain/errors';
import { isCaseId } from '../domain/ids';
import { CASE_STATUSES, type CaseStatus } from '../domain/statuses';
import { legalHoldOn } from '../domain/case-state';
import { DuplicateUserError } from '../infra/database/user-store';
import { hashPassword } from '../infra/keys/passwords';
import { auditVerdictLines, verifyAudit } from './audit-verification';
import { parseCheckpoint } from '../infra/database/audit-checkpoint';
import { readRestoreRecords } from '../infra/backup/restore-record';
import { caseDetails, caseListItem, statementView } from './case-views';
import { openCliContext, type CliContext } from './cli-context';
import { isPackageCommand, runPackageCommand } from './package-command';
import { correspondenceZip } from './correspondence';
import {
  DatabaseTooNewError,
  DatabaseUnavailableError,
  isDatabaseConnectionError,
} from '../infra/database/sql-database';
import { StorageUnavailableError } from '../infra/storage/case-file-storage';
import { TemporalUnavailableError } from '../infra/temporal/temporal-errors';
import { writeDecryptedFile } from './decrypted-file';
import { reportRefusal } from './cli-refusal';
import type { BulkProblem } from '../domain/bulk-csv';
import { asSentence } from '../domain/text';
import { readableMoment } from '../domain/dates';
import { dueWithDaysLeft } from '../domain/enforcement';
import { OutboxUsageError, runOutboxCommand, waitForStatus } from './outbox-commands';

// Each command loads what it needs when it runs: `disposition package build` does not load the Temporal client,
// PDF rendering or the API's schemas (bin/disposition.js prints --help without loading this file at all).
const load = {
  intrusions: () => import('./intrusion-analysis'),
  auditExport: () => import('./access-log-export'),
  caseService: () => import('./case-service'),
  webhookApi: () => Promise.all([import('../domain/api'), import('../domain/parse-input'), import('./webhook-views')]),
  deliveries: () => import('../infra/webhooks/webhook-deliveries'),
  webhookTarget: () => import('../infra/webhooks/webhook-target'),
  certificates: () => import('../infra/statement/signing-certificate'),
  statementCheck: () => import('./statement-verification'),
  bulk: () => Promise.all([import('./bulk-start'), import('../domain/bulk-csv')]),
};

const STAFF_COMMANDS = new Map(
  (Object.entries(STAFF_ACTIONS) as [StaffActionName, StaffAction][]).map(([name, action]) => [
    `case ${action.cli.name}`,
    { name, action },
  ]),
);
const ACTION_OPTIONS = Object.fromEntries(
  Object.values(STAFF_ACTIONS).flatMap((a) =>
    Object.entries(a.cli.options).map(([option, type]) => [option, { type }]),
  ),
);

class UsageError extends Error {}

type Out = (text: string) => void;

interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

function parse(argv: string[]): Parsed {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...ACTION_OPTIONS,
      json: { type: 'boolean' },
      file: { type: 'string' },
      csv: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'allow-duplicate': { type: 'boolean' },
      status: { type: 'string' },
      vendor: { type: 'string' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
      username: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'break-glass': { type: 'boolean' },
      cert: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      checkpoint: { type: 'string' },
      case: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  return { positionals, values };
}

const groupOf = (command: string): string => command.split(' ')[0]!;

const need = (value: string | boolean | undefined, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${what} is required`);
  return value;
};

/** An API time as people read it ("7 December 2026, 02:39 UTC"), as the pages show it. */
const when = (iso: string | null | undefined): string => (iso ? readableMoment(Date.parse(iso)) : '—');
/** A due time with its days left, as the pages show it. */
const due = (iso: string | null | undefined): string => (iso ? dueWithDaysLeft(Date.parse(iso), Date.now()) : '—');

export async function runCli(
  argv: string[],
  out: Out = (t) => process.stdout.write(`${t}\n`),
  err: Out = (t) => process.stderr.write(`${t}\n`),
): Promise<number> {
  if (isPackageCommand(argv)) return runPackageCommand(argv, out, err);
  // A restore goes into an empty DATA_DIR: it must not open (and so make) a database there first.
  if (argv[0] === 'backup') return (await import('./backup-command')).runBackupCommand(argv, out, err);
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [group, command, ...rest] = args.positionals;
  if (args.values.help || !group) {
    out(USAGE);
    return group || args.values.help ? 0 : 2;
  }
  const json = args.values.json === true;
  if (group === 'statement' && command === 'verify' && args.values.cert !== undefined) {
    // Away from the district entirely: the file and its published certificates are all this needs.
    try {
      const certificates = (await load.certificates()).certificatesFromPem(
        await fsp.readFile(need(args.values.cert, '--cert PEM'), 'utf8'),
      );
      if (!certificates.length) throw new UsageError(`${String(args.values.cert)} holds no PEM certificate`);
      return await verifyStatementCommand(need(rest[0], 'the statement file'), certificates, json, out);
    } catch (e) {
      err(e instanceof UsageError ? `${e.message}\n\n${USAGE}` : `error: ${(e as Error).message}`);
      return e instanceof UsageError ? 2 : 1;
    }
  }
  let ctx: CliContext;
  const action = `${group} ${command ?? ''}`.trim();
  try {
    ctx = await openCliContext();
  } catch (e) {
    // An unreachable or too new database, a bad setting: one line naming what and where, nothing written.
    err(`error: ${(e as Error).message}`);
    return e instanceof DatabaseUnavailableError || e instanceof DatabaseTooNewError
      ? ERROR_CODES.database_unavailable.exit
      : 1;
  }
  // The case a command read or changed: its argument, or what the command found (a statement id's case).
  const touched: { caseId?: string } = isCaseId(rest[0]) ? { caseId: rest[0] } : {};
  const record = async (outcome: string): Promise<void> => {
    // Every command that reads or changes a case goes into the access log (7400.1 I.D).
    // A bulk start is logged too: it starts cases in numbers (each row's case is in the file's record).
    const bulk = action === 'case start' && args.values.csv !== undefined;
    if ((['case', 'statement', 'package', 'outbox'].includes(group) && action !== 'case start') || bulk) {
      await ctx.logCommand(`${action}${bulk ? ' --csv' : ''}`, outcome, touched.caseId);
    }
  };
  try {
    const result = await dispatch(ctx, action, rest, args.values, json, out, err, touched);
    await record(result === 0 ? 'ok' : `exit ${result}`);
    return result;
  } catch (e) {
    await record(e instanceof DispositionError ? `refused ${e.code}` : 'failed').catch(() => undefined);
    if (e instanceof UsageError || e instanceof ActionUsageError || e instanceof OutboxUsageError) {
      err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof DispositionError) return reportRefusal(e, json, out, err);
    err(`error: ${(e as Error).message}`);
    // Another machine that does not answer (the database, the file storage, Temporal): worth a retry.
    if (e instanceof StorageUnavailableError) return ERROR_CODES.storage_unavailable.exit;
    if (e instanceof DatabaseUnavailableError || isDatabaseConnectionError(e))
      return ERROR_CODES.database_unavailable.exit;
    return e instanceof TemporalUnavailableError ? ERROR_CODES.temporal_unavailable.exit : 1;
  } finally {
    await ctx.close();
  }
}

async function dispatch(
  ctx: CliContext,
  command: string,
  rest: string[],
  values: Parsed['values'],
  json: boolean,
  out: Out,
  err: Out,
  touched: { caseId?: string },
): Promise<number> {
  const id = (): string => need(rest[0], 'the case id');
  const staff = STAFF_COMMANDS.get(command);
  if (staff) {
    const params = Object.fromEntries(
      (staff.action.cli.params ?? []).map((param, i) => [param, need(rest[i + 1], `the ${param}`)]),
    );
    // An action that takes a file reads it here, whole: `--file PATH`, or the path after the action's parameters.
    const upload = staff.action.upload;
    const given = typeof values.file === 'string' ? values.file : rest[(staff.action.cli.params?.length ?? 0) + 1];
    const file =
      upload && given ? { name: path.basename(given), bytes: await readCliFile(given, upload.maxBytes) } : undefined;
    if (upload && !file) throw new UsageError(`give the file of ${upload.what}: ID FILE, or --file FILE`);
    return report(
      out,
      json,
      await (await ctx.service()).perform(staff.name, id(), staff.action.cli.body(values), ctx.actor, params, file),
    );
  }
  if (groupOf(command) === 'outbox') return runOutboxCommand(ctx, command, rest, values, json, out);
  switch (command) {
    case 'case wait':
      return waitForStatus(ctx, id(), values, json, out);
    case 'user add':
      return addUser(ctx, values, json, out);
    case 'retention report': {
      const records = await Promise.all(
        (await ctx.records.listCases()).map(async (c) => (await ctx.records.getCase(c.caseId))!),
      );
      const rows = records
        .filter((r) => r.state.retention)
        .map((r) => ({
          caseId: r.caseId,
          vendorName: r.vendorName,
          contractId: r.contractId,
          packageId: r.state.retention!.packageId,
          keptUntil: new Date(r.state.retention!.destroyAt).toISOString(),
          legalHold: legalHoldOn(r.state),
          destroyedAt: r.state.retention!.destroyedAt ? new Date(r.state.retention!.destroyedAt).toISOString() : null,
        }));
      if (json) out(JSON.stringify({ packages: rows }, null, 2));
      else if (rows.length === 0) out('No returned data is kept.');
      else
        for (const r of rows)
          out(
            `${r.caseId}  ${r.destroyedAt ? `destroyed ${r.destroyedAt}` : r.legalHold ? `ON LEGAL HOLD (retention ended ${r.keptUntil})` : `kept until ${r.keptUntil}`}  ${r.vendorName} · ${r.contractId}`,
          );
      return 0;
    }
    case 'keys rotate': {
      const { kids } = await ctx.keyring.rotate();
      out(
        json
          ? JSON.stringify({ kids }, null, 2)
          : `New keys: payload ${kids.payload}, file ${kids.file}, link ${kids.link}, signing ${kids.signing}, statement certificate ${kids.certificate}. Running workers and servers encrypt and sign with them within seconds; everything made before stays readable.`,
      );
      return 0;
    }
    case 'audit verify': {
      const file = values.checkpoint as string | undefined;
      let checkpoint;
      try {
        checkpoint = file === undefined ? undefined : parseCheckpoint(await fsp.readFile(file, 'utf8'));
      } catch (err) {
        throw new UsageError(
          `--checkpoint ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
        );
      }
      // On one machine, the restores this data went through (their records are kept beside the keys).
      const restores = ctx.config.databaseUrl ? [] : readRestoreRecords(ctx.config.keysDir);
      const verdict = await verifyAudit(ctx.accessLog, ctx.keyring, checkpoint, restores);
      out(json ? JSON.stringify(verdict, null, 2) : auditVerdictLines(verdict).join('\n'));
      return verdict.ok ? 0 : 3;
    }
    case 'audit export': {
      const { auditCsv, range } = await load.auditExport();
      const caseId = values.case as string | undefined;
      const window =
        values.from || values.to
          ? range(values.from as string | undefined, values.to as string | undefined, 36500)
          : {};
      const entries = await ctx.accessLog.list({ ...(caseId ? { caseId } : {}), ...window });
      const text =
        values.format === 'csv'
          ? auditCsv(entries)
          : JSON.stringify({ entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) }, null, 2);
      if (values.out) await fsp.writeFile(values.out as string, text);
      else out(text.trimEnd());
      return 0;
    }
    case 'intrusions report': {
      const [{ range }, { analyzeIntrusions, intrusionCsv, intrusionPdf }] = await Promise.all([
        load.auditExport(),
        load.intrusions(),
      ]);
      const window = range(values.from as string | undefined, values.to as string | undefined);
      const events = await ctx.accessLog.intrusions(window);
      const analysis = analyzeIntrusions(events, window.from, window.to);
      const format = (values.format as string | undefined) ?? (json ? 'json' : 'text');
      if (format === 'pdf') {
        const file = need(values.out, '-o FILE (a PDF)');
        await fsp.writeFile(file, await intrusionPdf(analysis, ctx.config.districtName, Date.now()));
        out(
          `Intrusion analysis written to ${file}: ${analysis.total} event(s) from ${analysis.bySource.length} source(s)`,
        );
        return 0;
      }
      const text =
        format === 'csv'
          ? intrusionCsv(analysis, events)
          : format === 'json'
            ? JSON.stringify(analysis, null, 2)
            : [
                `${analysis.total} intrusion event(s) from ${analysis.bySource.length} source(s), ${analysis.from} to ${analysis.to}`,
                ...analysis.bySource.map(
                  (s) =>
                    `  ${s.ip.padEnd(20)} ${String(s.total).padStart(5)}  ${Object.entries(s.kinds)
                      .map(([k, n]) => `${k} ${n}`)
                      .join(', ')}  (${s.firstAt} – ${s.lastAt})`,
                ),
              ].join('\n');
      if (values.out) await fsp.writeFile(values.out as string, text);
      else out(text.trimEnd());
      return 0;
    }
    case 'case start': {
      if (values.csv !== undefined)
        return startBulk(ctx, need(values.csv, '--csv'), values['dry-run'] === true, json, out, err);
      const file = need(values.file, '--file');
      let input: unknown;
      try {
        input = JSON.parse(await fsp.readFile(file, 'utf8'));
      } catch (e) {
        throw new DispositionError('invalid_payload', `cannot read ${file} as JSON: ${(e as Error).message}`);
      }
      if (values['allow-duplicate'] && input && typeof input === 'object') input = { ...input, allowDuplicate: true };
      let started;
      try {
        started = await (await ctx.service()).startCase(input, ctx.actor);
      } catch (e) {
        if (e instanceof DispositionError && e.code === 'duplicate_case')
          throw new DispositionError(
            e.code,
            `${asSentence(e.message)} Run it again with --allow-duplicate to start it all the same.`,
          );
        throw e;
      }
      out(
        json
          ? JSON.stringify(started, null, 2)
          : `Case ${started.caseId} started: ${started.status}. The notice is on its way to the vendor.`,
      );
      return 0;
    }
    case 'case list': {
      const status = values.status as string | undefined;
      if (status && !CASE_STATUSES.includes(status as CaseStatus))
        throw new UsageError(`--status must be one of ${CASE_STATUSES.join(', ')}`);
      const cases = (
        await ctx.records.listCases({
          ...(status ? { status: status as CaseStatus } : {}),
          ...(values.vendor ? { vendor: values.vendor as string } : {}),
        })
      ).map(caseListItem);
      if (json) out(JSON.stringify({ cases }, null, 2));
      else if (cases.length === 0) out('No cases.');
      else
        for (const c of cases)
          out(`${c.caseId}  ${c.status.padEnd(25)} due ${due(c.dueAt)}  ${c.vendorName} · ${c.contractId}`);
      return 0;
    }
    case 'case show': {
      const record = await ctx.records.getCase(id());
      if (!record) throw new DispositionError('not_found', `no case ${id()}`);
      const details = caseDetails(record);
      if (json) {
        out(JSON.stringify(details, null, 2));
        return 0;
      }
      out(`Case ${details.caseId}: ${details.status}${details.legalHold.on ? ' (legal hold)' : ''}`);
      out(`Vendor ${details.vendorName} · contract ${details.contractId} · started ${when(details.createdAt)}`);
      if (details.openTask) out(`Open task: ${details.openTask.title}, due ${due(details.openTask.dueAt)}`);
      if (details.waitingUntil)
        out(`No open task until ${when(details.waitingUntil.at)}: ${details.waitingUntil.reason}.`);
      for (const sub of details.subprocessors) {
        out(
          `Subprocessor ${sub.id} ${sub.name} <${sub.contactEmail}>: ${sub.certification ? `certified by ${sub.certification.signatoryName} (completed ${sub.certification.completedOn})` : sub.waiver ? `waived: ${sub.waiver.reason}` : `asked, due ${due(sub.dueAt)}`}`,
        );
      }
      if (details.returnPackage)
        out(
          `Return package: ${details.returnPackage.files} file(s), ${details.returnPackage.bytes} bytes, ZIP SHA-256 ${details.returnPackage.zipSha256}`,
        );
      if (details.statement) out(`Statement ${details.statement.statementId}, SHA-256 ${details.statement.sha256}`);
      out('Timeline:');
      for (const event of details.timeline) out(`  ${when(event.at)}  ${event.summary}`);
      return 0;
    }
    case 'case correspondence': {
      const caseId = id();
      if (!(await ctx.records.getCase(caseId))) throw new DispositionError('not_found', `no case ${caseId}`);
      const file = need(values.out, '-o FILE');
      const messages = await ctx.records.listMessages(caseId);
      await fsp.writeFile(file, await correspondenceZip(caseId, messages));
      out(
        json
          ? JSON.stringify({ caseId, file, messages: messages.length }, null, 2)
          : `Correspondence of case ${caseId} written to ${file}: ${messages.length} message(s)`,
      );
      return 0;
    }
    case 'webhook add': {
      const [{ webhookBodySchema }, { parseInput }, { webhookView }] = await load.webhookApi();
      const body = parseInput(
        webhookBodySchema,
        {
          url: need(values.url, '--url'),
          events: need(values.events, '--events')
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean),
        },
        'options',
      );
      await (await load.webhookTarget()).refuseUnreachableTarget(body.url, ctx.config.webhookAllowPrivate);
      const { webhook, secret } = await ctx.webhooks.add({ url: body.url, events: body.events, createdBy: ctx.actor });
      out(
        json
          ? JSON.stringify({ ...webhookView(webhook), secret }, null, 2)
          : `Webhook ${webhook.id} added for ${webhook.events.join(', ')}.\nIts signing secret, shown this once: ${secret}`,
      );
      return 0;
    }
    case 'webhook list': {
      const { webhookView } = (await load.webhookApi())[2];
      const hooks = (await ctx.webhooks.list()).map(webhookView);
      if (json) out(JSON.stringify({ webhooks: hooks }, null, 2));
      else if (hooks.length === 0) out('No webhooks.');
      else
        for (const w of hooks)
          out(
            `${w.id}  ${w.disabledAt ? `DISABLED (${w.disabledReason})` : 'active'}  ${w.url}  ${w.events.join(',')}`,
          );
      return 0;
    }
    case 'webhook secret': {
      const secret = await ctx.webhooks.rotateSecret(need(rest[0], 'the webhook id'));
      if (!secret) throw new DispositionError('not_found', `no webhook ${rest[0]}`);
      out(
        json
          ? JSON.stringify({ id: rest[0], secret }, null, 2)
          : `New signing secret of ${rest[0]}, shown this once: ${secret}`,
      );
      return 0;
    }
    case 'webhook remove': {
      if (!(await ctx.webhooks.remove(need(rest[0], 'the webhook id'))))
        throw new DispositionError('not_found', `no webhook ${rest[0]}`);
      out(json ? JSON.stringify({ id: rest[0], removed: true }, null, 2) : `Webhook ${rest[0]} removed.`);
      return 0;
    }
    case 'webhook deliveries': {
      const id = need(rest[0], 'the webhook id');
      if (!(await ctx.webhooks.get(id))) throw new DispositionError('not_found', `no webhook ${id}`);
      const { deliveryView } = (await load.webhookApi())[2];
      const deliveries = (await ctx.webhooks.deliveries(id)).map(deliveryView);
      if (json) out(JSON.stringify({ deliveries }, null, 2));
      else if (deliveries.length === 0) out('Nothing delivered yet.');
      else
        for (const d of deliveries)
          out(
            `${d.id}  ${d.createdAt}  case ${d.caseId}  ${d.status.padEnd(9)} ${d.attempts} attempt(s)  ${d.lastStatus ?? ''} ${d.lastError ?? ''}`.trimEnd(),
          );
      return 0;
    }
    case 'webhook resend': {
      const [webhookId, deliveryId] = [need(rest[0], 'the webhook id'), need(rest[1], 'the delivery id')];
      await (
        await load.deliveries()
      ).resendDelivery(
        { webhooks: ctx.webhooks, client: await ctx.temporal(), taskQueue: ctx.config.taskQueue },
        webhookId,
        deliveryId,
      );
      out(
        json
          ? JSON.stringify({ id: deliveryId, status: 'pending' }, null, 2)
          : `Delivery ${deliveryId} is on its way again.`,
      );
      return 0;
    }
    case 'link check': {
      const check = await (
        await load.caseService()
      ).checkLink(ctx.keyring, ctx.records, need(rest[0], 'the token or link'));
      if (json) out(JSON.stringify(check, null, 2));
      else if (check.valid)
        out(
          `valid: case ${check.claims!.caseId}, task ${check.claims!.task}${check.claims!.sub ? ` of subprocessor ${check.claims!.sub}` : ''} (link generation ${check.claims!.gen}), expires ${new Date(check.claims!.expiresAt * 1000).toISOString()}`,
        );
      else out(`invalid: ${check.reason} — ${check.message}`);
      return check.valid ? 0 : 3;
    }
    case 'statement get': {
      const key = id();
      const file = need(values.out, '-o FILE');
      const byCase = async () => {
        const s = (await ctx.records.getCase(key))?.state.statement;
        return s ? ctx.records.getStatement(s.statementId) : undefined;
      };
      const statement = (await ctx.records.getStatement(key)) ?? (await byCase());
      if (!statement) throw new DispositionError('not_found', `no statement for ${key}`);
      touched.caseId = statement.caseId;
      const pdf = await ctx.storage.readStatement(statement.statementId);
      if (!pdf)
        throw new DispositionError('not_found', `statement ${statement.statementId} is recorded but its file is gone`);
      const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
      if (sha256 !== statement.sha256)
        throw new DispositionError('internal', `the stored statement does not match its recorded SHA-256`);
      await fsp.writeFile(file, pdf);
      out(
        json
          ? JSON.stringify(statementView(statement), null, 2)
          : `Statement ${statement.statementId} written to ${file} (SHA-256 ${sha256})`,
      );
      return 0;
    }
    case 'statement verify': {
      return verifyStatementCommand(
        need(rest[0], 'the statement file'),
        (await load.certificates()).districtCertificates(ctx.config, ctx.keyring),
        json,
        out,
        touched,
      );
    }
    case 'package get': {
      const record = await ctx.records.getCase(id());
      if (!record) throw new DispositionError('not_found', `no case ${id()}`);
      const round = [...record.returnPackages].reverse().find((r) => r.packageId && r.decision?.decision !== 'reject');
      if (!round?.packageId) throw new DispositionError('not_found', `case ${id()} holds no return package`);
      const file = need(values.out, '-o FILE');
      const sha256 = await writeDecryptedFile(
        [ctx.storage.openPackage(record.caseId, round.packageId)],
        file,
        round.zipSha256,
      );
      out(
        json
          ? JSON.stringify({ caseId: record.caseId, file, sha256 }, null, 2)
          : `Return package written to ${file} (ZIP SHA-256 ${sha256})`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function report(out: Out, json: boolean, result: { message: string; status: string; alreadyDone?: boolean }): number {
  out(
    json
      ? JSON.stringify(result, null, 2)
      : `${result.message}${result.alreadyDone ? ' (already done)' : ''} Status: ${result.status}.`,
  );
  return 0;
}

async function addUser(ctx: CliContext, values: Parsed['values'], json: boolean, out: Out): Promise<number> {
  const username = need(values.username, '--username');
  const role = need(values.role, '--role');
  if (!/^[A-Za-z0-9._-]{2,64}$/.test(username))
    throw new UsageError('--username: 2 to 64 letters, digits, ".", "_" or "-"');
  if (role !== 'admin' && role !== 'legal') throw new UsageError('--role must be admin or legal');
  const email = typeof values.email === 'string' ? values.email : undefined;
  if (email !== undefined && !(await import('zod')).z.string().email().safeParse(email).success)
    throw new UsageError('--email must be an email address');
  if (values['password-stdin'] !== true)
    throw new UsageError('give the password on standard input with --password-stdin (never on the command line)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 12)
    throw new DispositionError('invalid_payload', 'the password must be at least 12 characters');
  try {
    const user = await ctx.users.addUser({
      username,
      role,
      ...(email ? { email } : {}),
      passwordHash: await hashPassword(password),
      ...(values['break-glass'] === true ? { breakGlass: true } : {}),
    });
    out(
      json
        ? JSON.stringify({ user: { username: user.username, role: user.role, email: user.email ?? null } }, null, 2)
        : `User ${user.username} (${user.role}) added${values['break-glass'] === true ? ', break-glass: signs in with its password even when password sign-in is off' : ''}.`,
    );
    return 0;
  } catch (err) {
    if (err instanceof DuplicateUserError) throw new DispositionError('wrong_state', err.message);
    throw err;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}

/** A file named on the command line, read whole (refused past `maxBytes`, as the API refuses it). */
async function readCliFile(file: string, maxBytes = Infinity): Promise<Buffer> {
  try {
    const { size } = await fsp.stat(file);
    if (size > maxBytes)
      throw new DispositionError('too_large', `${file} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
    return await fsp.readFile(file);
  } catch (e) {
    if (e instanceof DispositionError) throw e;
    throw new DispositionError('invalid_payload', `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `case start --csv`: the file checked, or started with a progress line until every row has its outcome. */
async function startBulk(
  ctx: CliContext,
  file: string,
  dryRun: boolean,
  json: boolean,
  out: Out,
  err: Out,
): Promise<number> {
  const bytes = await readCliFile(file);
  const [{ BulkStarts }, { bulkFileText }] = await load.bulk();
  const text = bulkFileText(bytes);
  const bulk = new BulkStarts(() => ctx.temporal(), ctx.bulk, ctx.config);
  const problemLine = (p: BulkProblem): string =>
    `  line ${p.line}${p.contractId ? ` (${p.contractId})` : ''}, ${p.field}: ${p.message}`;
  if (dryRun) {
    const check = await bulk.check(text);
    if (json) out(JSON.stringify(check, null, 2));
    else {
      out(
        `${check.total} row(s): ${check.ready} would start a case, ${check.alreadyStarted.length} already started, ${check.refused} refused. Nothing was started.`,
      );
      for (const p of check.problems) out(problemLine(p));
      for (const a of check.alreadyStarted)
        out(`  line ${a.line} (${a.contractId}): already started as case ${a.caseId}`);
    }
    return check.refused ? 3 : 0;
  }
  let view = await bulk.begin(text, path.basename(file), ctx.actor);
  if (!json) err(`Bulk start ${view.bulkId}: ${view.total} row(s), ${view.refused} refused.`);
  let lastDone = -1;
  let quietSince = Date.now();
  while (view.status === 'running') {
    await new Promise((r) => setTimeout(r, 500));
    view = await bulk.view(view.bulkId);
    const done = view.started + view.alreadyStarted;
    if (done !== lastDone) {
      lastDone = done;
      quietSince = Date.now();
      if (!json)
        err(
          `  ${done}/${view.total - view.refused} started or already started (${view.started} new, ${view.alreadyStarted} already)`,
        );
    } else if (Date.now() - quietSince > 15_000) {
      if (!json) err('  waiting for a worker to take the bulk start (is `npm run worker` running?)');
      quietSince = Date.now();
    }
  }
  if (json) out(JSON.stringify(view, null, 2));
  else {
    out(
      `Bulk start ${view.bulkId} finished: ${view.started} started, ${view.alreadyStarted} already started, ${view.refused} refused.`,
    );
    for (const row of view.rows) {
      if (row.outcome === 'refused')
        for (const p of row.problems ?? [])
          out(
            problemLine({
              line: row.line,
              contractId: row.contractId,
              field: p.field as BulkProblem['field'],
              message: p.message,
            }),
          );
    }
  }
  return view.refused ? 3 : 0;
}

/** `statement verify FILE`: the verdict, and what it rests on, a line each; exit 0 when valid, 3 when not. */
async function verifyStatementCommand(
  file: string,
  certificates: crypto.X509Certificate[],
  json: boolean,
  out: Out,
  touched: { caseId?: string } = {},
): Promise<number> {
  const verdict = (await load.statementCheck()).verifyStatementOffline(await fsp.readFile(file), certificates);
  if (verdict.statement && isCaseId(verdict.statement.caseId)) touched.caseId = verdict.statement.caseId;
  if (json) {
    out(JSON.stringify(verdict, null, 2));
    return verdict.valid ? 0 : 3;
  }
  const { statement: s, signature: sig } = verdict;
  if (!verdict.valid) {
    // Nothing an invalid file says can be trusted: only the verdict, and what the file claims, said as a claim.
    out(`invalid: ${verdict.reason}`);
    if (s)
      out(
        `the file claims to be statement ${s.statementId} of case ${s.caseId} (${s.vendorName}, contract ${s.contractId})`,
      );
    return 3;
  }
  out('valid: signed by the district, and unchanged since');
  if (s)
    out(
      `statement ${s.statementId} of case ${s.caseId}: ${s.vendorName}, contract ${s.contractId}, issued ${when(s.issuedAt)} by ${s.district}`,
    );
  if (sig) {
    out(
      `signed by ${sig.certificate.subject} (certificate SHA-256 ${sig.certificate.fingerprint})${sig.district ? ", one of the district's certificates" : ', not a certificate of the district'}`,
    );
    out(
      `signed at ${when(sig.signedAt)} (${sig.level}${sig.timestampedAt ? `, time-stamped ${when(sig.timestampedAt)} by ${sig.timestampAuthority}` : ''}); ${sig.coversWholeFile ? 'the signature covers the whole file' : 'the signature does not cover the whole file'}`,
    );
  }
  return 0;
}
