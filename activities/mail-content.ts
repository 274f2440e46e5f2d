// What each message says, in plain words, as blocks that mail-layout.ts writes out as text and as HTML. Pure: the
// send-case-mail activity picks recipients and sends.
import { exceptionsOf } from '../domain/case-state';
import { referralOf } from '../domain/enforcement';
import { EXCEPTION_KINDS } from '../domain/case-terms';
import { categoryLabel, KNOWN_CATEGORIES } from '../domain/case-terms';
import type { CaseException, CaseState } from '../domain/case-state';
import { SANITIZATION_METHODS } from '../domain/certification';
import type { MailSpec } from '../domain/mail';
import { grouped } from '../domain/roster-coverage';
import { TASK_TITLES, type TaskKind } from '../domain/statuses';
import { dueText, renderMail, type Block, type MailMessage } from '../infra/mail/mail-layout';

export interface MailContext {
  districtName: string;
  publicUrl: string;
  /** The vendor's link for the task of the message, when it has one. */
  link?: string;
  /** For a rejection that lists them: the roster's students missing from the returned data (attached as a CSV). */
  missingStudents?: { sourcedId: string; identifier: string }[];
}

/** Missing students named in the message's words before the attachment takes over. */
const MISSING_IN_WORDS = 10;

export type { RenderedMail as MailText } from '../infra/mail/mail-layout';

function rightsBlock(state: CaseState, district: string): Block {
  const returning = state.input.disposition.option === 'return_then_destroy';
  return {
    kind: 'list',
    lead: `Under ${district}'s policy 7400.1:`,
    items: [
      returning
        ? 'III.A: all data about any student of the district must be returned to the district, as the district chooses. The district has chosen to have its data returned before it is destroyed.'
        : 'III.A: the district may have its data returned; it has chosen not to, and asks only for destruction.',
      "III.B: at no time is the district's information or any student information the property of your service.",
      `III.C: ${returning ? 'after the return of all information, ' : ''}you must give the district a statement that all known copies of that information have been destroyed.`,
      "IV.A: tracking software or mechanisms that store information about a user on the user's own computer must be removed or terminated.",
    ],
  };
}

function categoriesBlock(state: CaseState): Block {
  const { extent, categories } = state.input.disposition;
  return {
    kind: 'list',
    lead:
      extent === 'complete'
        ? "This covers all of the district's data that your service holds, in whatever category it falls:"
        : 'This covers the following categories, each of them whole:',
    items: categories.map((category) => {
      const known = (KNOWN_CATEGORIES as Record<string, { explains: string; clause: string }>)[category.key];
      const expected =
        category.expectedRecords !== undefined ? ` (about ${category.expectedRecords} records expected)` : '';
      return `${categoryLabel(category)}${expected}${known ? `: ${known.explains} (7400.1 ${known.clause})` : ''}`;
    }),
  };
}

function trackingBlock(state: CaseState): Block {
  const mechanisms = state.input.trackingMechanisms ?? [];
  if (mechanisms.length === 0) {
    return {
      kind: 'p',
      text: 'The district knows of no tracking mechanism of your service. If any is in use (cookies, SDKs, pixels, local storage, single sign-on apps), it must be removed, and you will be asked to confirm.',
    };
  }
  return {
    kind: 'list',
    lead: 'These tracking mechanisms must be removed or terminated, and you will confirm each with its date:',
    items: mechanisms.map((m) => `${m.name} (${m.kind})`),
  };
}

const exceptionsBlock = (exceptions: CaseException[], lead: string): Block => ({
  kind: 'list',
  lead,
  items: exceptions.map(
    (e) => `${e.scope}: ${EXCEPTION_KINDS[e.kind]}. ${e.reason}${e.endsOn ? ` Until ${e.endsOn}.` : ''}`,
  ),
});

function taskInstructions(state: CaseState, task: TaskKind): Block[] {
  switch (task) {
    case 'acknowledge':
      return [
        {
          kind: 'p',
          text: 'Please acknowledge this notice and name the person who will handle it for your organisation.',
        },
      ];
    case 'return':
      return [
        {
          kind: 'p',
          text: "Please upload the district's data through the link below, each file under its category, then submit the return. CSV and JSON Lines files are counted record by record against the expected counts. Do not destroy anything yet: destruction comes after the district has accepted what you returned.",
        },
      ];
    case 'certify': {
      const exceptions = exceptionsOf(state);
      return [
        {
          kind: 'list',
          lead: `Please certify the destruction of all known copies of the district's data (7400.1 III.C)${exceptions.length ? ', except the exceptions listed below,' : ''} and the removal of tracking mechanisms (IV.A). You will give:`,
          items: [
            'who signs, and when destruction was completed;',
            `the method, in the terms of NIST SP 800-88: ${Object.values(SANITIZATION_METHODS).join('; ')};`,
            'the technique used and how it was verified;',
            'whether backups are destroyed, or the date they roll off;',
            'each subprocessor that held the data, with a contact email: each is asked to certify its own destruction, and the statement waits for them;',
            "that the district's users' accounts are closed (I.B);",
            'for each tracking mechanism, the date it was removed, and that the data it collected is destroyed (IV.C).',
          ],
        },
        ...(exceptions.length
          ? [
              exceptionsBlock(
                exceptions,
                'The district allows you to keep only this data (the exceptions), for these reasons:',
              ),
            ]
          : []),
      ];
    }
    case 'confirm_backup_rolloff':
      return [
        {
          kind: 'p',
          text: `You certified that backups holding the district's data would roll off on ${state.certification?.destruction.backups.rollOffDate}. Please confirm that they have.`,
        },
      ];
    case 'review':
    case 'countersign':
      return [];
  }
}

function vendorGreeting(state: CaseState): string {
  const name = state.acknowledgement?.contactName ?? state.input.vendor.contactName;
  return name ? `Dear ${name},` : `To ${state.input.vendor.name},`;
}

const signature = (ctx: MailContext): string =>
  `${ctx.districtName}\nThis message was sent by Disposition on behalf of the district. Reply to this email with any question.`;

const contractLine = (state: CaseState): string =>
  `Contract ${state.input.contract.id}${state.input.contract.title ? ` (${state.input.contract.title})` : ''} for ${state.input.service.name}, terminated ${state.input.contract.terminationDate}.`;

const BUTTONS: Record<TaskKind, string> = {
  acknowledge: 'Acknowledge the notice',
  return: 'Return the data',
  review: 'Review the returned data',
  certify: 'Certify destruction',
  confirm_backup_rolloff: 'Confirm backups rolled off',
  countersign: 'Countersign',
};

function linkBlock(ctx: MailContext, task: TaskKind, dueAt: number, resent = false): Block {
  return {
    kind: 'action',
    label: BUTTONS[task],
    url: ctx.link ?? '',
    dueAt,
    note: `The link is for your organisation only; do not forward it. It stops working once the task is done or a newer link is sent.${resent ? ' This link replaces any earlier one.' : ''}`,
  };
}

const p = (text: string): Block => ({ kind: 'p', text });
/** "The agreement (NDPA)", or "The contract" for the district's own terms. */
const agreementName = (state: CaseState): string => {
  const key = state.input.contract.agreement;
  return key && key !== 'custom' && key !== 'other' ? `The agreement (${key.toUpperCase()})` : 'The contract';
};

/**
 * A message its action worded (MailSpec `written`), ending with the link of the task it is about (the vendor's or a
 * subprocessor's) or, to the district, the case's page.
 */
function writtenMessage(state: CaseState, spec: MailSpec, ctx: MailContext, greeting: string): MailMessage {
  const { subject, heading, paragraphs, button, to } = spec.written!;
  const dueAt = spec.task?.dueAt ?? spec.subprocessor?.dueAt;
  const url = to === 'district' ? `${ctx.publicUrl}/cases/${state.caseId}` : (ctx.link ?? '');
  const note =
    to === 'district'
      ? undefined
      : 'The link is for your organisation only; do not forward it. It stops working once the task is done or a newer link is sent.';
  return {
    subject,
    heading,
    blocks: [
      ...(to === 'district' ? [] : [p(greeting), p(contractLine(state))]),
      ...paragraphs.map(p),
      { kind: 'action', label: button, url, ...(dueAt !== undefined ? { dueAt } : {}), ...(note ? { note } : {}) },
    ],
  };
}

function vendorMessage(state: CaseState, spec: MailSpec, ctx: MailContext): MailMessage {
  if (spec.kind === 'written') return writtenMessage(state, spec, ctx, vendorGreeting(state));
  const task = spec.task;
  const head = [p(vendorGreeting(state)), p(contractLine(state))];
  const contract = state.input.contract.id;
  switch (spec.kind) {
    case 'notice': {
      if (!task) throw new Error('a notice needs its task');
      if (task.kind === 'acknowledge') {
        return {
          subject: `Termination notice: ${state.input.service.name}, contract ${contract}${spec.resent ? ' (new link)' : ''}`,
          heading: `Termination notice: ${state.input.service.name}`,
          blocks: [
            ...head,
            p(
              `${ctx.districtName} has ended its contract with ${state.input.vendor.name} and asks you to ${state.input.disposition.option === 'return_then_destroy' ? 'return all of its student data and then destroy every known copy' : 'destroy every known copy of its student data (no return is requested)'}, and to remove your tracking mechanisms.`,
            ),
            ...(state.input.contract.clause
              ? [p(`${agreementName(state)} provides: ${state.input.contract.clause}`)]
              : []),
            rightsBlock(state, ctx.districtName),
            categoriesBlock(state),
            trackingBlock(state),
            ...taskInstructions(state, task.kind),
            linkBlock(ctx, task.kind, task.dueAt, spec.resent),
          ],
        };
      }
      return {
        subject: `${TASK_TITLES[task.kind]}: contract ${contract}${spec.resent ? ' (new link)' : ''}`,
        heading: TASK_TITLES[task.kind],
        blocks: [
          ...head,
          ...(task.kind === 'return' ? [categoriesBlock(state)] : []),
          ...(task.kind === 'certify' ? [trackingBlock(state)] : []),
          ...taskInstructions(state, task.kind),
          linkBlock(ctx, task.kind, task.dueAt, spec.resent),
        ],
      };
    }
    case 'reminder':
      return {
        subject: `Reminder: ${TASK_TITLES[task!.kind]}, contract ${contract}`,
        heading: `Reminder: ${TASK_TITLES[task!.kind]}`,
        blocks: [
          ...head,
          p(
            `This is a reminder that "${TASK_TITLES[task!.kind]}" ${Date.now() > task!.dueAt ? 'was' : 'is'} due ${dueText(task!.dueAt)}.`,
          ),
          ...taskInstructions(state, task!.kind),
          linkBlock(ctx, task!.kind, task!.dueAt),
        ],
      };
    case 'extension':
      return {
        subject: `New due date: ${TASK_TITLES[task!.kind]}, contract ${contract}`,
        heading: `New due date: ${TASK_TITLES[task!.kind]}`,
        blocks: [
          ...head,
          p(
            `The district has moved the due date of "${TASK_TITLES[task!.kind]}" to ${dueText(task!.dueAt)}. Reason: ${spec.reason}`,
          ),
          linkBlock(ctx, task!.kind, task!.dueAt),
        ],
      };
    case 'rejection':
      return {
        subject: `Returned data not accepted: contract ${contract}`,
        heading: 'Returned data not accepted yet',
        blocks: [
          ...head,
          p(`The district has reviewed the data you returned and cannot accept it yet. Reason:\n${spec.reason}`),
          ...missingStudentsBlocks(ctx.missingStudents),
          p(
            'The files you uploaded are still staged: add what is missing, remove what is wrong, and submit the return again. Do not destroy anything yet.',
          ),
          linkBlock(ctx, task!.kind, task!.dueAt),
        ],
      };
    case 'cancellation':
      return {
        subject: `Termination case withdrawn: contract ${contract}`,
        heading: 'Termination case withdrawn',
        blocks: [
          ...head,
          p(`The district has withdrawn this termination case. Reason: ${spec.reason}`),
          p('Links you received for it no longer work. Nothing more is needed from you for this case.'),
        ],
      };
    case 'completion':
      return {
        subject: `Termination complete: statement ${state.statement?.statementId}, contract ${contract}`,
        heading: 'Termination complete',
        blocks: [
          ...head,
          p(
            "Thank you. The termination is complete. The district's statement of the return and destruction of its data is attached.",
          ),
          p(
            `Anyone can check that the statement is genuine and unaltered at ${ctx.publicUrl}/verify (statement id ${state.statement?.statementId}).`,
          ),
        ],
      };
    default:
      throw new Error(`${spec.kind} is not a message to the vendor`);
  }
}

function missingStudentsBlocks(missing: MailContext['missingStudents']): Block[] {
  if (!missing?.length) return [];
  const n = missing.length;
  const shown = missing.slice(0, MISSING_IN_WORDS).map((s) => `${s.sourcedId} (identifier ${s.identifier})`);
  return [
    {
      kind: 'list',
      lead: `${n === 1 ? "1 student of the district's roster does" : `${grouped(n)} students of the district's roster do`} not appear in the data you returned. ${n === 1 ? 'Its' : 'Their'} sourcedId and identifier are in the attached ${MISSING_STUDENTS_FILE}${n > MISSING_IN_WORDS ? `; the first ${MISSING_IN_WORDS}` : ''}:`,
      items: shown,
    },
  ];
}

/** The name of the CSV a rejection that lists the missing students attaches. */
export const MISSING_STUDENTS_FILE = 'missing-students.csv';

function districtMessage(state: CaseState, spec: MailSpec, ctx: MailContext): MailMessage {
  if (spec.kind === 'written') return writtenMessage(state, spec, ctx, '');
  const caseUrl = `${ctx.publicUrl}/cases/${state.caseId}`;
  const title = `${state.input.vendor.name}, contract ${state.input.contract.id}`;
  const open = (label: string, dueAt?: number): Block => ({
    kind: 'action',
    label,
    url: caseUrl,
    ...(dueAt !== undefined ? { dueAt } : {}),
  });
  switch (spec.kind) {
    case 'review_request': {
      const round = state.returnRounds.at(-1)!;
      return {
        subject: `Review the returned data: ${title}`,
        heading: `Review the returned data: ${title}`,
        blocks: [
          p(`The vendor has returned data (round ${round.round}): ${round.files} file(s), ${round.bytes} bytes.`),
          {
            kind: 'list',
            items: round.categories.map(
              (c) =>
                `${c.label}: ${c.files} file(s), ${c.bytes} bytes, ${c.returnedRecords} record(s)${c.expectedRecords !== undefined ? ` of ${c.expectedRecords} expected` : ''}`,
            ),
          },
          round.shortfalls.length
            ? { kind: 'list', lead: 'Shortfalls:', items: round.shortfalls }
            : p('Every requested category has data, and no count falls short.'),
          p(`ZIP SHA-256: ${round.zipSha256}`),
          ...(round.note ? [p(`The vendor's note: ${round.note}`)] : []),
          open('Accept or reject it', spec.task!.dueAt),
        ],
      };
    }
    case 'escalation':
      return {
        subject: `Overdue: ${TASK_TITLES[spec.task!.kind]} — ${title}`,
        heading: `Overdue: ${TASK_TITLES[spec.task!.kind]}`,
        blocks: [
          p(`"${TASK_TITLES[spec.task!.kind]}" for ${title} was due ${dueText(spec.task!.dueAt)} and is not done.`),
          p(
            spec.task!.kind === 'review' || spec.task!.kind === 'countersign'
              ? "This task is the district's to do."
              : 'The vendor has been reminded; the case stays open. You can extend the due date, resend the link or contact the vendor.',
          ),
          open('Open the case'),
        ],
      };
    case 'reminder':
      if (spec.task?.kind === 'countersign') {
        return {
          subject: `Reminder: countersign for the district — ${title}`,
          heading: 'Reminder: countersign for the district',
          blocks: [
            p(`The statement for ${title} waits for legal's countersignature.`),
            open('Review and countersign', spec.task.dueAt),
          ],
        };
      }
      return {
        subject: `Reminder: review the returned data — ${title}`,
        heading: 'Reminder: review the returned data',
        blocks: [
          p(`The data ${state.input.vendor.name} returned is waiting for review.`),
          open('Review the returned data', spec.task!.dueAt),
        ],
      };
    case 'signoff_request': {
      const subs = state.subprocessors ?? [];
      return {
        subject: `Countersign for the district: ${title}`,
        heading: `Countersign for the district: ${title}`,
        blocks: [
          p(
            `${state.input.vendor.name} has certified the destruction of the district's data${state.backupRolloff ? ' and confirmed that its backups rolled off' : ''}${subs.length ? `, and each of its ${subs.length} subprocessor(s) has certified or was waived` : ''}. This case asks legal staff to review the certification and the case record, and to countersign for the district: only then is the statement issued, naming who countersigned and when.`,
          ),
          open('Review and countersign', spec.task!.dueAt),
        ],
      };
    }
    case 'cancellation':
      return {
        subject: `Case cancelled: ${title}`,
        heading: `Case cancelled: ${title}`,
        blocks: [p(`The case was cancelled. Reason: ${spec.reason}`), open('Open the case')],
      };
    case 'exception_ends': {
      const exception = exceptionsOf(state).find((e) => e.id === spec.exceptionId);
      return {
        subject: `An exception ends today: ${title}`,
        heading: `An exception ends today: ${title}`,
        blocks: [
          p(
            `${state.input.vendor.name} was allowed to keep ${exception?.scope ?? 'some data'} (${exception ? EXCEPTION_KINDS[exception.kind] : 'an exception'}: ${exception?.reason ?? ''}) until ${exception?.endsOn ?? 'today'}.`,
          ),
          p(
            'Ask the vendor to destroy that data now and to confirm it in writing; the case keeps the record of the exception.',
          ),
          open('Open the case'),
        ],
      };
    }
    case 'referral': {
      const referral = referralOf(state);
      return {
        subject: `Referred to legal: ${title}`,
        heading: `Referred to legal: ${title}`,
        blocks: [
          p(
            `${referral?.by ?? 'An administrator'} referred this case to legal counsel: ${state.input.vendor.name} has not done what its open task asks, after the reminders, the escalation and being marked as not cooperating.`,
          ),
          ...(referral ? [p(`Their note: ${referral.note}`)] : []),
          p("The referral letter with the case's history to date is attached."),
          open('Open the case'),
        ],
      };
    }
    case 'subprocessor_escalation': {
      const sub = state.subprocessors?.find((x) => x.id === spec.subprocessor?.id);
      return {
        subject: `Overdue: ${sub?.name ?? 'a subprocessor'}'s certification — ${title}`,
        heading: `Overdue: ${sub?.name ?? 'a subprocessor'}'s certification`,
        blocks: [
          p(
            `${sub?.name ?? 'A subprocessor'} (${sub?.contactEmail ?? ''}), which ${state.input.vendor.name} named as having held the district's data, was asked to certify its destruction by ${dueText(spec.subprocessor!.dueAt)} and has not. It has been reminded, with the vendor copied; the statement waits for it.`,
          ),
          p(
            'You can ask the vendor to chase its subprocessor, or waive this certification with the reason (the statement shows the waiver).',
          ),
          open('Open the case'),
        ],
      };
    }
    case 'completion':
      return {
        subject: `Statement issued: ${title}`,
        heading: `Statement issued: ${title}`,
        blocks: [
          p(
            `The termination is complete. Statement ${state.statement?.statementId} (SHA-256 ${state.statement?.sha256}) is attached and can be downloaded from the case.`,
          ),
          open('Open the case'),
        ],
      };
    default:
      throw new Error(`${spec.kind} is not a message to the district`);
  }
}

/**
 * To a subprocessor the vendor named: who asks, on what grounds, what to certify, and its own link. The vendor
 * is copied (it answers to the district for its subprocessors).
 */
function subprocessorMessage(state: CaseState, spec: MailSpec, ctx: MailContext): MailMessage {
  const sub = state.subprocessors?.find((x) => x.id === spec.subprocessor?.id);
  if (!sub || !spec.subprocessor) throw new Error(`${spec.kind} needs a subprocessor of the case`);
  if (spec.kind === 'written')
    return writtenMessage(state, spec, ctx, sub.contactName ? `Dear ${sub.contactName},` : `To ${sub.name},`);
  const { dueAt } = spec.subprocessor;
  const vendor = state.input.vendor.name;
  const exceptions = exceptionsOf(state);
  const asks: Block[] = [
    p(
      `${ctx.districtName} has ended its contract with ${vendor}. ${vendor} has told the district that ${sub.name} held the district's student data as its subprocessor, and has certified its own destruction of that data.`,
    ),
    p(
      `Under the district's policy 7400.1 (III.C), every known copy must be destroyed. Please certify, through the link below, that ${sub.name} has destroyed every copy it held. You will give who signs, when destruction was completed, the method in the terms of NIST SP 800-88 (${Object.keys(SANITIZATION_METHODS).join(', ')}), the technique and how it was verified, and whether backups are destroyed or the date they roll off.`,
    ),
    ...(exceptions.length
      ? [exceptionsBlock(exceptions, 'The district allows only this data to be kept, for these reasons:')]
      : []),
    {
      kind: 'action',
      label: 'Certify destruction',
      url: ctx.link ?? '',
      dueAt,
      note: `The link is for ${sub.name} only; do not forward it. It stops working once the certification is received.${spec.resent ? ' This link replaces any earlier one.' : ''}`,
    },
  ];
  const greeting = p(sub.contactName ? `Dear ${sub.contactName},` : `To ${sub.name},`);
  const contract = `contract ${state.input.contract.id} (${vendor})`;
  if (spec.kind === 'subprocessor_reminder') {
    return {
      subject: `Reminder: certify destruction of ${ctx.districtName}'s data, ${contract}`,
      heading: 'Reminder: certify destruction',
      blocks: [
        greeting,
        p(
          `This is a reminder that the certification below ${Date.now() > dueAt ? 'was' : 'is'} due ${dueText(dueAt)}.`,
        ),
        ...asks,
      ],
    };
  }
  if (spec.kind !== 'subprocessor_notice') throw new Error(`${spec.kind} is not a message to a subprocessor`);
  return {
    subject: `Certify destruction of ${ctx.districtName}'s student data: ${contract}${spec.resent ? ' (new link)' : ''}`,
    heading: `Certify destruction of ${ctx.districtName}'s data`,
    blocks: [greeting, p(contractLine(state)), ...asks],
  };
}

export const renderSubprocessorMail = (state: CaseState, spec: MailSpec, ctx: MailContext) =>
  renderMail(subprocessorMessage(state, spec, ctx), ctx.districtName, signature(ctx));
export const renderVendorMail = (state: CaseState, spec: MailSpec, ctx: MailContext) =>
  renderMail(vendorMessage(state, spec, ctx), ctx.districtName, signature(ctx));
export const renderDistrictMail = (state: CaseState, spec: MailSpec, ctx: MailContext) =>
  renderMail(districtMessage(state, spec, ctx), ctx.districtName, signature(ctx));
