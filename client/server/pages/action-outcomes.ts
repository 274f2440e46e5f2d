// Post/Redirect/Get: a form action that succeeds answers 303 See Other, and the page it leads to says what
// happened. The redirect names the outcome by a key of these tables (`?done=accepted`), never by text, so
// nothing a request carries is echoed into a page; each message is written here or read from the record.
import type { CaseState } from '../../../domain/case-state';
import { legalHoldMessage } from '../../../domain/case-state';
import type { VendorTaskKind } from '../../../domain/statuses';
import type { LinkClaims } from '../../../infra/link-tokens';
import type { caseDetails } from '../../case-views';
import { when } from './html';

type Details = ReturnType<typeof caseDetails>;

const CASE_OUTCOMES = {
  started: () => 'Case started; the notice is on its way to the vendor.',
  accepted: () => 'Return accepted; the vendor is asked to certify destruction.',
  rejected: () => 'Return rejected; the vendor is told why and asked to return the data again.',
  extended: (d: Details) => (d.openTask?.dueAt ? `Due time extended: "${d.openTask.title}" is now due ${when(Date.parse(d.openTask.dueAt))}.` : 'Due time extended.'),
  'link-sent': () => 'A new link is on its way to the vendor; older links no longer work.',
  cancelled: () => 'Case cancelled.',
  'hold-set': () => legalHoldMessage(true),
  'hold-released': () => legalHoldMessage(false),
} satisfies Record<string, (details: Details) => string>;

export type CaseOutcome = keyof typeof CASE_OUTCOMES;

const VENDOR_OUTCOMES = {
  acknowledged: { task: 'acknowledge', title: 'Notice acknowledged', text: () => 'Notice acknowledged. The next task is on its way by email.' },
  returned: { task: 'return', title: 'Return submitted', text: () => 'Return received. The district will review it and write to you.' },
  certified: {
    task: 'certify',
    title: 'Certification received',
    text: (state: CaseState) => {
      const backups = state.certification?.destruction.backups;
      return backups && !backups.destroyed && backups.rollOffDate
        ? `Certification received. We will ask you to confirm on ${backups.rollOffDate} that backups have rolled off.`
        : 'Certification received. The final statement will be emailed to you.';
    },
  },
  'rolled-off': { task: 'confirm_backup_rolloff', title: 'Confirmation received', text: () => 'Confirmation received. The final statement will be emailed to you.' },
} satisfies Record<string, { task: VendorTaskKind; title: string; text: (state: CaseState) => string }>;

export type VendorOutcome = keyof typeof VENDOR_OUTCOMES;

/** The query string of the page a successful action redirects to. */
export const outcomeQuery = (outcome: CaseOutcome | VendorOutcome, alreadyDone?: boolean): string => `?done=${outcome}${alreadyDone ? '&again=1' : ''}`;

function picked<T extends object>(table: T, query: unknown): { key: keyof T; again: boolean } | undefined {
  const { done, again } = (query ?? {}) as Record<string, unknown>;
  if (typeof done !== 'string' || !Object.prototype.hasOwnProperty.call(table, done)) return undefined;
  return { key: done as keyof T, again: again === '1' };
}

const repeated = (again: boolean): string => (again ? ' (already done)' : '');

/** The message a case page shows after a staff action, or undefined for a query that names none. */
export function caseOutcomeText(query: unknown, details: Details): string | undefined {
  const outcome = picked(CASE_OUTCOMES, query);
  return outcome && `${CASE_OUTCOMES[outcome.key](details)}${repeated(outcome.again)}`;
}

/**
 * The page a vendor sees after an action through the link `claims` came from: only when the record shows that
 * link's task done, so a hand-made `?done=` on a link whose task is still open shows the task instead.
 */
export function vendorOutcome(query: unknown, claims: LinkClaims, state: CaseState): { title: string; text: string } | undefined {
  const outcome = picked(VENDOR_OUTCOMES, query);
  if (!outcome) return undefined;
  const { task, title, text } = VENDOR_OUTCOMES[outcome.key];
  const done = task === claims.task && state.tasks.some((t) => t.kind === claims.task && t.gen === claims.gen && t.outcome === 'done');
  return done ? { title, text: `${text(state)}${repeated(outcome.again)}` } : undefined;
}

/** `?staged=<fileId>` after an upload without JavaScript; the page names the file from the staged list. */
export function stagedOutcome(query: unknown): { fileId: string; again: boolean } | undefined {
  const { staged, again } = (query ?? {}) as Record<string, unknown>;
  return typeof staged === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(staged) ? { fileId: staged, again: again === '1' } : undefined;
}
