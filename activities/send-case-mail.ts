// Sends one message of the case (or its vendor and district copies), once: a stable Message-ID is recorded
// after each send, and a retried attempt skips what already went out.
import { renderStatementOffThread } from '../infra/statement/statement-renderer';
import { referralLetterContent } from '../infra/statement/referral-letter';
import { log } from '@temporalio/activity';
import type { CaseState } from '../domain/case-state';
import type { MailSpec } from '../domain/mail';
import { isVendorTask, type VendorTaskKind } from '../domain/statuses';
import type { Config } from '../infra/config';
import { toCsv } from '../domain/csv';
import type { AccessLog } from '../infra/database/access-log';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { SqlRosterStore } from '../infra/database/roster-store';
import type { WorkerMetrics } from '../infra/metrics/metrics';
import type { Keyring } from '../infra/keys/keys';
import { linkExpiry, makeLinkToken } from '../infra/keys/link-tokens';
import type { MailTransport, OutgoingMail } from '../infra/mail/mail-transport';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import {
  MISSING_STUDENTS_FILE,
  renderDistrictMail,
  renderSubprocessorMail,
  renderVendorMail,
  type MailContext,
} from './mail-content';

export interface MailDeps {
  config: Pick<Config, 'publicUrl' | 'districtName' | 'mailFrom' | 'adminEmail' | 'linkGraceMs' | 'smtpUrl'>;
  records: CaseRecordStore;
  storage: CaseFileStorage;
  keyring: Keyring;
  transport: MailTransport;
  /** Administrators' addresses beyond ADMIN_EMAIL (admin users with an email). */
  administrators?: () => Promise<string[]>;
  /** Legal staff with an email: they hear of completion, with a link to the case. */
  legalStaff?: () => Promise<string[]>;
  /** The rosters districts attach: a rejection may list the students missing from the returned data. */
  rosters?: Pick<SqlRosterStore, 'get' | 'match'>;
  /** Where a read of the roster for a message is logged, as every read of it is. */
  accessLog?: Pick<AccessLog, 'append'>;
  /** Counts messages sent and failed, for the worker's Prometheus listener. */
  metrics?: Pick<WorkerMetrics, 'mails'>;
}

export interface MailResult {
  sent: string[];
  skipped: string[];
}

type Audience = 'vendor' | 'district' | 'subprocessor';

function audiencesOf(spec: MailSpec): Audience[] {
  switch (spec.kind) {
    case 'written':
      return [spec.written!.to];
    case 'review_request':
    case 'signoff_request':
    case 'escalation':
    case 'referral':
    case 'exception_ends':
    case 'subprocessor_escalation':
      return ['district'];
    case 'subprocessor_notice':
    case 'subprocessor_reminder':
      return ['subprocessor'];
    case 'reminder':
      return spec.task && isVendorTask(spec.task.kind) ? ['vendor'] : ['district'];
    case 'cancellation':
    case 'completion':
      return ['vendor', 'district'];
    default:
      return ['vendor'];
  }
}

export function makeSendCaseMail(deps: MailDeps) {
  const host = new URL(deps.config.publicUrl).hostname || 'disposition.local';

  function vendorLink(state: CaseState, task: { kind: VendorTaskKind; gen: number; dueAt: number }): string {
    const token = makeLinkToken(deps.keyring, {
      caseId: state.caseId,
      task: task.kind,
      gen: task.gen,
      expiresAt: linkExpiry(task.dueAt, deps.config.linkGraceMs),
    });
    return `${deps.config.publicUrl}/v/${token}`;
  }

  return async function sendCaseMail({ state, mail }: { state: CaseState; mail: MailSpec }): Promise<MailResult> {
    const result: MailResult = { sent: [], skipped: [] };
    for (const audience of audiencesOf(mail)) {
      const messageId = `<${mail.id}.${audience}.${state.caseId}@${host}>`;
      if (await deps.records.mailSent(messageId)) {
        result.skipped.push(messageId);
        continue;
      }
      const ctx: MailContext = { districtName: deps.config.districtName, publicUrl: deps.config.publicUrl };
      if (audience === 'vendor' && mail.task && isVendorTask(mail.task.kind)) {
        ctx.link = vendorLink(state, { kind: mail.task.kind, gen: mail.task.gen, dueAt: mail.task.dueAt });
      }
      const sub = mail.subprocessor;
      if (audience === 'subprocessor' && sub) {
        const token = makeLinkToken(deps.keyring, {
          caseId: state.caseId,
          task: 'subprocessor_certify',
          sub: sub.id,
          gen: sub.gen,
          expiresAt: linkExpiry(sub.dueAt, deps.config.linkGraceMs),
        });
        ctx.link = `${deps.config.publicUrl}/v/${token}`;
      }
      if (audience === 'vendor' && mail.missingStudents)
        ctx.missingStudents = await missingStudentsFor(deps, state.caseId, mail.missingStudents.round);
      const content =
        audience === 'vendor'
          ? renderVendorMail(state, mail, ctx)
          : audience === 'subprocessor'
            ? renderSubprocessorMail(state, mail, ctx)
            : renderDistrictMail(state, mail, ctx);
      const recipients =
        audience === 'vendor'
          ? vendorRecipients(state)
          : audience === 'subprocessor'
            ? subprocessorRecipients(state, sub?.id)
            : await districtRecipients(
                deps,
                mail.kind === 'completion' ||
                  mail.kind === 'referral' ||
                  mail.kind === 'signoff_request' ||
                  mail.task?.kind === 'countersign',
              );
      if (recipients.to.length === 0) {
        log.warn('no administrator address is configured (ADMIN_EMAIL); a district message was not sent', {
          kind: mail.kind,
          caseId: state.caseId,
        });
        result.skipped.push(messageId);
        continue;
      }
      const outgoing: OutgoingMail = {
        messageId,
        from: deps.config.mailFrom,
        ...recipients,
        subject: content.subject,
        text: content.text,
        html: content.html,
        headers: { 'X-Disposition-Case': state.caseId, 'X-Disposition-Mail': mail.kind },
      };
      if (mail.kind === 'completion' && state.statement) {
        const pdf = await deps.storage.readStatement(state.statement.statementId);
        if (!pdf) throw new Error(`statement ${state.statement.statementId} is not stored`);
        outgoing.attachments = [
          { filename: `statement-${state.statement.statementId}.pdf`, content: pdf, contentType: 'application/pdf' },
        ];
      }
      if (ctx.missingStudents?.length) {
        const csv = toCsv(
          ['sourcedId', 'identifier'],
          ctx.missingStudents.map((s) => [s.sourcedId, s.identifier]),
        );
        outgoing.attachments = [
          { filename: MISSING_STUDENTS_FILE, content: Buffer.from(csv), contentType: 'text/csv' },
        ];
      }
      if (mail.kind === 'referral') {
        // The letter as of this message: the correspondence file keeps it, attached, as it went out.
        const letter = await renderStatementOffThread(referralLetterContent(state, deps.config, Date.now()));
        outgoing.attachments = [
          { filename: `referral-${state.caseId}.pdf`, content: letter, contentType: 'application/pdf' },
        ];
      }
      // Each attempt goes into the case's correspondence file with its outcome; the message as sent stays there.
      const noted = {
        messageId,
        caseId: state.caseId,
        kind: mail.kind,
        audience,
        recipients: [...outgoing.to, ...(outgoing.cc ?? [])],
        subject: outgoing.subject,
      };
      let sent;
      try {
        sent = await deps.transport.send(outgoing);
      } catch (err) {
        deps.metrics?.mails.inc({ kind: mail.kind, outcome: 'failed' });
        await deps.records.recordMessage({
          ...noted,
          attemptedAt: Date.now(),
          outcome: 'failed',
          detail: (err as Error).message,
        });
        throw err;
      }
      await deps.records.recordMessage({
        ...noted,
        attemptedAt: Date.now(),
        outcome: 'sent',
        detail: sent.response,
        eml: sent.raw,
      });
      await deps.records.recordMailSent(messageId, state.caseId, mail.kind);
      deps.metrics?.mails.inc({ kind: mail.kind, outcome: 'sent' });
      // The link itself never goes to a log: it opens the vendor's task to whoever holds it.
      if (!deps.config.smtpUrl && ctx.link)
        log.info(`outbox: ${mail.kind} for the vendor of case ${state.caseId}; the link is in the .eml file`);
      result.sent.push(messageId);
    }
    return result;
  };
}

/**
 * The roster's students missing from round `round`'s returned data, by their identifiers only, the read logged. None
 * when the roster was replaced or removed since (its next match is the one that counts) or none is missing.
 */
async function missingStudentsFor(
  deps: MailDeps,
  caseId: string,
  round: number,
): Promise<{ sourcedId: string; identifier: string }[]> {
  const match = await deps.rosters?.match(caseId);
  const roster = match?.round === round ? await deps.rosters!.get(caseId) : undefined;
  if (!match || !roster) {
    log.warn("the rejection was to list the roster's missing students, but that match is no longer stored", {
      caseId,
      round,
    });
    return [];
  }
  const missing = match.missing
    .map((i) => roster.students[i]!)
    .map((s) => ({ sourcedId: s.sourcedId, identifier: s.identifier }));
  await deps.accessLog?.append({
    actor: 'system:mail',
    role: 'system',
    action: `read the roster's missing students (${missing.length}) for the vendor's rejection message`,
    caseId,
    outcome: 'ok',
    ip: 'local',
    userAgent: 'disposition-worker',
  });
  return missing;
}

function vendorRecipients(state: CaseState): { to: string[]; cc?: string[] } {
  const to = [state.input.vendor.contactEmail];
  const acknowledged = state.acknowledgement?.contactEmail;
  return acknowledged && acknowledged.toLowerCase() !== to[0]!.toLowerCase() ? { to, cc: [acknowledged] } : { to };
}

/** The subprocessor's contact, with the vendor copied: the vendor answers for its subprocessors. */
function subprocessorRecipients(state: CaseState, id: string | undefined): { to: string[]; cc?: string[] } {
  const sub = state.subprocessors?.find((s) => s.id === id);
  if (!sub) throw new Error(`case ${state.caseId} names no subprocessor ${id}`);
  const vendor = vendorRecipients(state);
  const cc = [...vendor.to, ...(vendor.cc ?? [])].filter((a) => a.toLowerCase() !== sub.contactEmail.toLowerCase());
  return cc.length ? { to: [sub.contactEmail], cc } : { to: [sub.contactEmail] };
}

async function districtRecipients(deps: MailDeps, withLegal: boolean): Promise<{ to: string[] }> {
  const all = [
    deps.config.adminEmail,
    ...((await deps.administrators?.()) ?? []),
    ...(withLegal ? ((await deps.legalStaff?.()) ?? []) : []),
  ].filter((a): a is string => !!a);
  return { to: [...new Set(all.map((a) => a.toLowerCase()))] };
}
