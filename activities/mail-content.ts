// What each message says, in plain words. Pure: the send-case-mail activity picks recipients and sends.
import { categoryLabel, KNOWN_CATEGORIES } from '../domain/case-terms';
import type { CaseState } from '../domain/case-state';
import { SANITIZATION_METHODS } from '../domain/certification';
import type { MailSpec } from '../domain/mail';
import { TASK_TITLES, type TaskKind } from '../domain/statuses';

export interface MailContext {
  districtName: string;
  publicUrl: string;
  /** The vendor's link for the task of the message, when it has one. */
  link?: string;
}

export interface MailText {
  subject: string;
  text: string;
}

const when = (ms: number): string => new Date(ms).toUTCString().replace('GMT', 'UTC');

function rightsParagraph(state: CaseState, district: string): string {
  const returning = state.input.disposition.option === 'return_then_destroy';
  return [
    `Under ${district}'s policy 7400.1:`,
    returning
      ? '- III.A: all data about any student of the district must be returned to the district, as the district chooses. The district has chosen to have its data returned before it is destroyed.'
      : '- III.A: the district may have its data returned; it has chosen not to, and asks only for destruction.',
    '- III.B: at no time is the district\'s information or any student information the property of your service.',
    `- III.C: ${returning ? 'after the return of all information, ' : ''}you must give the district a statement that all known copies of that information have been destroyed.`,
    '- IV.A: tracking software or mechanisms that store information about a user on the user\'s own computer must be removed or terminated.',
  ].join('\n');
}

function categoriesParagraph(state: CaseState): string {
  const { extent, categories } = state.input.disposition;
  const lines = categories.map((category) => {
    const known = (KNOWN_CATEGORIES as Record<string, { explains: string; clause: string }>)[category.key];
    const expected = category.expectedRecords !== undefined ? ` (about ${category.expectedRecords} records expected)` : '';
    return `- ${categoryLabel(category)}${expected}${known ? `: ${known.explains} (7400.1 ${known.clause})` : ''}`;
  });
  const scope = extent === 'complete'
    ? 'This covers all of the district\'s data that your service holds, in whatever category it falls:'
    : 'This covers the following categories, each of them whole:';
  return `${scope}\n${lines.join('\n')}`;
}

function trackingParagraph(state: CaseState): string {
  const mechanisms = state.input.trackingMechanisms ?? [];
  if (mechanisms.length === 0) {
    return 'The district knows of no tracking mechanism of your service. If any is in use (cookies, SDKs, pixels, local storage, single sign-on apps), it must be removed, and you will be asked to confirm.';
  }
  return `These tracking mechanisms must be removed or terminated, and you will confirm each with its date:\n${mechanisms.map((m) => `- ${m.name} (${m.kind})`).join('\n')}`;
}

function taskInstructions(state: CaseState, task: TaskKind): string {
  switch (task) {
    case 'acknowledge':
      return 'Please acknowledge this notice and name the person who will handle it for your organisation.';
    case 'return':
      return 'Please upload the district\'s data through the link below, each file under its category, then submit the return. CSV and JSON Lines files are counted record by record against the expected counts. Do not destroy anything yet: destruction comes after the district has accepted what you returned.';
    case 'certify':
      return [
        'Please certify the destruction of all known copies of the district\'s data (7400.1 III.C) and the removal of tracking mechanisms (IV.A). You will give:',
        '- who signs, and when destruction was completed;',
        '- the method, in the terms of NIST SP 800-88:',
        ...Object.values(SANITIZATION_METHODS).map((line) => `    ${line}`),
        '- the technique used and how it was verified;',
        '- whether backups are destroyed, or the date they roll off;',
        '- each subprocessor that held the data, and when it destroyed it;',
        '- that the district\'s users\' accounts are closed (I.B);',
        '- for each tracking mechanism, the date it was removed, and that the data it collected is destroyed (IV.C).',
      ].join('\n');
    case 'confirm_backup_rolloff':
      return `You certified that backups holding the district's data would roll off on ${state.certification?.destruction.backups.rollOffDate}. Please confirm that they have.`;
    case 'review':
      return '';
  }
}

function vendorGreeting(state: CaseState): string {
  const name = state.acknowledgement?.contactName ?? state.input.vendor.contactName;
  return name ? `Dear ${name},` : `To ${state.input.vendor.name},`;
}

function signature(ctx: MailContext): string {
  return `\n${ctx.districtName}\nThis message was sent by Disposition on behalf of the district. Reply to this email with any question.`;
}

const contractLine = (state: CaseState): string =>
  `Contract ${state.input.contract.id}${state.input.contract.title ? ` (${state.input.contract.title})` : ''} for ${state.input.service.name}, terminated ${state.input.contract.terminationDate}.`;

function linkBlock(ctx: MailContext, task: TaskKind, dueAt: number): string {
  return `${TASK_TITLES[task]}, due ${when(dueAt)}:\n${ctx.link ?? ''}\n\nThe link is for your organisation only; do not forward it. It stops working once the task is done or a newer link is sent.`;
}

export function renderVendorMail(state: CaseState, spec: MailSpec, ctx: MailContext): MailText {
  const task = spec.task;
  const head = `${vendorGreeting(state)}\n\n${contractLine(state)}`;
  switch (spec.kind) {
    case 'notice': {
      if (!task) throw new Error('a notice needs its task');
      if (task.kind === 'acknowledge') {
        return {
          subject: `Termination notice: ${state.input.service.name}, contract ${state.input.contract.id}${spec.resent ? ' (new link)' : ''}`,
          text: [
            head,
            `${ctx.districtName} has ended its contract with ${state.input.vendor.name} and asks you to ${state.input.disposition.option === 'return_then_destroy' ? 'return all of its student data and then destroy every known copy' : 'destroy every known copy of its student data (no return is requested)'}, and to remove your tracking mechanisms.`,
            rightsParagraph(state, ctx.districtName),
            categoriesParagraph(state),
            trackingParagraph(state),
            taskInstructions(state, task.kind),
            linkBlock(ctx, task.kind, task.dueAt),
            spec.resent ? 'This link replaces any earlier one.' : '',
          ].filter(Boolean).join('\n\n') + signature(ctx),
        };
      }
      return {
        subject: `${TASK_TITLES[task.kind]}: contract ${state.input.contract.id}${spec.resent ? ' (new link)' : ''}`,
        text: [head, task.kind === 'return' ? categoriesParagraph(state) : '', task.kind === 'certify' ? trackingParagraph(state) : '',
          taskInstructions(state, task.kind), linkBlock(ctx, task.kind, task.dueAt), spec.resent ? 'This link replaces any earlier one.' : '']
          .filter(Boolean).join('\n\n') + signature(ctx),
      };
    }
    case 'reminder':
      return {
        subject: `Reminder: ${TASK_TITLES[task!.kind]}, contract ${state.input.contract.id}`,
        text: [head, `This is a reminder that "${TASK_TITLES[task!.kind]}" ${Date.now() > task!.dueAt ? 'was' : 'is'} due ${when(task!.dueAt)}.`, taskInstructions(state, task!.kind), linkBlock(ctx, task!.kind, task!.dueAt)].join('\n\n') + signature(ctx),
      };
    case 'extension':
      return {
        subject: `New due date: ${TASK_TITLES[task!.kind]}, contract ${state.input.contract.id}`,
        text: [head, `The district has moved the due date of "${TASK_TITLES[task!.kind]}" to ${when(task!.dueAt)}. Reason: ${spec.reason}`, linkBlock(ctx, task!.kind, task!.dueAt)].join('\n\n') + signature(ctx),
      };
    case 'rejection':
      return {
        subject: `Returned data not accepted: contract ${state.input.contract.id}`,
        text: [head, `The district has reviewed the data you returned and cannot accept it yet. Reason:\n${spec.reason}`,
          'The files you uploaded are still staged: add what is missing, remove what is wrong, and submit the return again. Do not destroy anything yet.',
          linkBlock(ctx, task!.kind, task!.dueAt)].join('\n\n') + signature(ctx),
      };
    case 'cancellation':
      return {
        subject: `Termination case withdrawn: contract ${state.input.contract.id}`,
        text: [head, `The district has withdrawn this termination case. Reason: ${spec.reason}`, 'Links you received for it no longer work. Nothing more is needed from you for this case.'].join('\n\n') + signature(ctx),
      };
    case 'completion':
      return {
        subject: `Termination complete: statement ${state.statement?.statementId}, contract ${state.input.contract.id}`,
        text: [head, 'Thank you. The termination is complete. The district\'s statement of the return and destruction of its data is attached.',
          `Anyone can check that the statement is genuine and unaltered at ${ctx.publicUrl}/verify (statement id ${state.statement?.statementId}).`].join('\n\n') + signature(ctx),
      };
    default:
      throw new Error(`${spec.kind} is not a message to the vendor`);
  }
}

export function renderDistrictMail(state: CaseState, spec: MailSpec, ctx: MailContext): MailText {
  const caseUrl = `${ctx.publicUrl}/cases/${state.caseId}`;
  const title = `${state.input.vendor.name}, contract ${state.input.contract.id}`;
  switch (spec.kind) {
    case 'review_request': {
      const round = state.returnRounds.at(-1)!;
      const lines = round.categories.map((c) => `- ${c.label}: ${c.files} file(s), ${c.bytes} bytes, ${c.returnedRecords} record(s)${c.expectedRecords !== undefined ? ` of ${c.expectedRecords} expected` : ''}`);
      return {
        subject: `Review the returned data: ${title}`,
        text: [`The vendor has returned data (round ${round.round}): ${round.files} file(s), ${round.bytes} bytes.`, lines.join('\n'),
          round.shortfalls.length ? `Shortfalls:\n${round.shortfalls.map((s) => `- ${s}`).join('\n')}` : 'Every requested category has data, and no count falls short.',
          `ZIP SHA-256: ${round.zipSha256}`, round.note ? `The vendor's note: ${round.note}` : '',
          `Accept or reject it, due ${when(spec.task!.dueAt)}: ${caseUrl}`].filter(Boolean).join('\n\n') + signature(ctx),
      };
    }
    case 'escalation':
      return {
        subject: `Overdue: ${TASK_TITLES[spec.task!.kind]} — ${title}`,
        text: [`"${TASK_TITLES[spec.task!.kind]}" was due ${when(spec.task!.dueAt)} and is not done.`,
          spec.task!.kind === 'review' ? 'The review is the district\'s to do.' : 'The vendor has been reminded; the case stays open. You can extend the due date, resend the link or contact the vendor.',
          caseUrl].join('\n\n') + signature(ctx),
      };
    case 'reminder':
      return {
        subject: `Reminder: review the returned data — ${title}`,
        text: [`The returned data is waiting for review, due ${when(spec.task!.dueAt)}.`, caseUrl].join('\n\n') + signature(ctx),
      };
    case 'cancellation':
      return { subject: `Case cancelled: ${title}`, text: [`The case was cancelled. Reason: ${spec.reason}`, caseUrl].join('\n\n') + signature(ctx) };
    case 'completion':
      return {
        subject: `Statement issued: ${title}`,
        text: [`The termination is complete. Statement ${state.statement?.statementId} (SHA-256 ${state.statement?.sha256}) is attached and can be downloaded from the case.`, caseUrl].join('\n\n') + signature(ctx),
      };
    default:
      throw new Error(`${spec.kind} is not a message to the district`);
  }
}
