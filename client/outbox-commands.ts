// `disposition outbox …` and `disposition case wait`: what a walk through a case on one machine needs from the
// command line (docs/api.md, "CLI"). With no SMTP_URL the mail is written to DATA_DIR/outbox; these read it
// back as the vendor and the signatory would read their mail, and wait for a case to reach a status.
import { DispositionError } from '../domain/errors';
import { CODE_IN_MAIL } from '../domain/mail';
import { readableMoment } from '../domain/dates';
import { CASE_STATUSES, isTerminal, type CaseStatus } from '../domain/statuses';
import { listOutbox, outboxDir, outboxShown, type OutboxEntry } from '../infra/mail/outbox';
import type { CliContext } from './cli-context';

type Out = (text: string) => void;

/** How long `outbox link`, `outbox code` and `case wait` wait, unless `--timeout` says otherwise. */
const DEFAULT_WAIT_SECONDS = 60;
/** A code lasts 15 minutes (docs/architecture.md, "The signatory check"): an older one is not offered. */
const CODE_LIFETIME_MS = 15 * 60_000;

export class OutboxUsageError extends Error {}

const LINK = /https?:\/\/\S+?\/v\/[A-Za-z0-9._~%-]+/g;

/** The vendor links in a message's text, in the order they appear. */
export const linksIn = (text: string): string[] => [...text.matchAll(LINK)].map((m) => m[0]);

function timeoutMs(values: Record<string, string | boolean | undefined>): number {
  const given = values.timeout;
  if (given === undefined) return DEFAULT_WAIT_SECONDS * 1000;
  const seconds = Number(given);
  if (typeof given !== 'string' || !Number.isFinite(seconds) || seconds < 0)
    throw new OutboxUsageError(`--timeout takes a number of seconds (it says ${String(given)})`);
  return seconds * 1000;
}

/** Asks `find` again every half second until it answers or the time is up. */
async function waitFor<T>(find: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined || Date.now() >= until) return found;
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(until - Date.now(), 0))));
  }
}

function messagesOf(ctx: CliContext, caseId?: string): OutboxEntry[] {
  if (!outboxShown(ctx.config))
    throw new OutboxUsageError(
      ctx.config.smtpUrl
        ? 'this machine sends its mail through SMTP_URL: read it in the recipients’ mailboxes'
        : 'with DATABASE_URL each machine keeps only the mail it sent: read it in the recipients’ mailboxes',
    );
  const { messages } = listOutbox(outboxDir(ctx.config), Number.MAX_SAFE_INTEGER);
  return caseId ? messages.filter((m) => m.caseId === caseId) : messages;
}

export async function runOutboxCommand(
  ctx: CliContext,
  command: string,
  rest: string[],
  values: Record<string, string | boolean | undefined>,
  json: boolean,
  out: Out,
): Promise<number> {
  const caseArg = (): string => {
    if (!rest[0]) throw new OutboxUsageError('the case id is required');
    return rest[0];
  };
  switch (command) {
    case 'outbox list': {
      const messages = messagesOf(ctx, values.case as string | undefined).slice(0, 50);
      if (json) {
        out(
          JSON.stringify(
            { messages: messages.map((m) => ({ ...m, sentAt: new Date(m.sentAt).toISOString() })) },
            null,
            2,
          ),
        );
        return 0;
      }
      if (messages.length === 0) out('The outbox is empty.');
      for (const m of messages) {
        out(`${readableMoment(m.sentAt)}  to ${m.to.join(', ')}${m.caseId ? `  case ${m.caseId}` : ''}`);
        out(`  ${m.subject}`);
        for (const link of linksIn(m.text)) out(`  ${link}`);
      }
      return 0;
    }
    case 'outbox link': {
      // The newest link mailed for the case that still opens its task (for `--task T`, that task's).
      const caseId = caseArg();
      const task = values.task as string | undefined;
      const { checkLink } = await import('./case-service');
      const found = await waitFor(async () => {
        for (const message of messagesOf(ctx, caseId)) {
          for (const link of linksIn(message.text)) {
            const check = await checkLink(ctx.keyring, ctx.records, link);
            if (check.valid && (!task || check.claims?.task === task)) return { link, check };
          }
        }
        return undefined;
      }, timeoutMs(values));
      if (!found)
        throw new DispositionError(
          'not_found',
          `no working link${task ? ` for the task ${task}` : ''} was mailed for case ${caseId}`,
        );
      out(json ? JSON.stringify({ link: found.link, task: found.check.claims?.task }, null, 2) : found.link);
      return 0;
    }
    case 'outbox code': {
      // The newest signatory code mailed for the case, while it can still be used.
      const caseId = caseArg();
      const code = await waitFor(async () => {
        for (const message of messagesOf(ctx, caseId)) {
          if (message.kind !== 'signatory_code' || Date.now() - message.sentAt > CODE_LIFETIME_MS) continue;
          const match = CODE_IN_MAIL.exec(message.text);
          if (match) return { code: match[1]!, to: message.to };
        }
        return undefined;
      }, timeoutMs(values));
      if (!code)
        throw new DispositionError(
          'not_found',
          `no signatory code was mailed for case ${caseId} in the last 15 minutes`,
        );
      out(json ? JSON.stringify(code, null, 2) : code.code);
      return 0;
    }
    default:
      throw new OutboxUsageError(`unknown command: ${command}`);
  }
}

/** `case wait ID --status S`: returns once the case has the status; refused when it ended in another. */
export async function waitForStatus(
  ctx: CliContext,
  caseId: string,
  values: Record<string, string | boolean | undefined>,
  json: boolean,
  out: Out,
): Promise<number> {
  const wanted = values.status;
  if (typeof wanted !== 'string' || !(CASE_STATUSES as readonly string[]).includes(wanted))
    throw new OutboxUsageError(`--status takes one of ${CASE_STATUSES.join(', ')}`);
  const status = await waitFor(async () => {
    const record = await ctx.records.getCase(caseId);
    if (!record) throw new DispositionError('not_found', `no case ${caseId}`);
    const now = record.state.status;
    return now === wanted || isTerminal(now) ? now : undefined;
  }, timeoutMs(values));
  const now: CaseStatus = status ?? (await ctx.records.getCase(caseId))!.state.status;
  if (now !== wanted)
    throw new DispositionError(
      'wrong_state',
      status ? `case ${caseId} ended ${now}, not ${wanted}` : `case ${caseId} is still ${now}, not ${wanted}`,
    );
  out(json ? JSON.stringify({ caseId, status: now }, null, 2) : `Case ${caseId}: ${now}`);
  return 0;
}
