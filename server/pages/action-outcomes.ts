// Post/Redirect/Get: a form action that succeeds answers 303 See Other, and the page it leads to says what
// happened. The redirect names the outcome by a key of these tables (`?done=accepted`), never by text, so
// nothing a request carries is echoed into a page; each message is written here or read from the record.
import {
  STAFF_ACTIONS,
  VENDOR_ACTIONS,
  type Outcome,
  type StaffAction,
  type VendorAction,
} from '../../actions/registry';
import type { CaseState } from '../../domain/case-state';
import type { LinkTaskKind } from '../../domain/statuses';
import type { LinkClaims } from '../../infra/keys/link-tokens';

// Each action declares its outcomes (actions/<name>/handler.ts); starting a case is not an action on one.
const CASE_OUTCOMES: Record<string, Outcome> = Object.fromEntries([
  ['started', { text: () => 'Case started; the notice is on its way to the vendor.' }],
  ...(Object.values(STAFF_ACTIONS) as StaffAction[]).flatMap((action) => Object.entries(action.outcomes)),
]);

const VENDOR_OUTCOMES: Record<string, Outcome & { task: LinkTaskKind | 'any' }> = Object.fromEntries(
  (Object.values(VENDOR_ACTIONS) as VendorAction[]).flatMap((action) =>
    Object.entries(action.outcomes).map(([key, outcome]) => [key, { ...outcome, task: action.task }]),
  ),
);

/** The query string of the page a successful action redirects to. */
export const outcomeQuery = (outcome: string, alreadyDone?: boolean): string =>
  `?done=${outcome}${alreadyDone ? '&again=1' : ''}`;

function picked<T extends object>(table: T, query: unknown): { key: keyof T; again: boolean } | undefined {
  const { done, again } = (query ?? {}) as Record<string, unknown>;
  if (typeof done !== 'string' || !Object.prototype.hasOwnProperty.call(table, done)) return undefined;
  return { key: done as keyof T, again: again === '1' };
}

const repeated = (again: boolean): string => (again ? ' (already done)' : '');

/** The message a case page shows after a staff action, or undefined for a query that names none. */
export function caseOutcomeText(query: unknown, state: CaseState): string | undefined {
  const outcome = picked(CASE_OUTCOMES, query);
  return outcome && `${CASE_OUTCOMES[outcome.key]!.text(state)}${repeated(outcome.again)}`;
}

/**
 * The page a vendor sees after an action through the link `claims` came from: only when the record shows that
 * link's task done, so a hand-made `?done=` on a link whose task is still open shows the task instead.
 */
export function vendorOutcome(
  query: unknown,
  claims: LinkClaims,
  state: CaseState,
): { title: string; text: string } | undefined {
  const outcome = picked(VENDOR_OUTCOMES, query);
  if (!outcome) return undefined;
  const { task, title = 'Done', text } = VENDOR_OUTCOMES[outcome.key]!;
  const done =
    task === claims.task &&
    (claims.sub
      ? !!state.subprocessors?.some((s) => s.id === claims.sub && s.gen === claims.gen && s.certification)
      : state.tasks.some((t) => t.kind === claims.task && t.gen === claims.gen && t.outcome === 'done'));
  return done ? { title, text: `${text(state)}${repeated(outcome.again)}` } : undefined;
}

/**
 * The notice a vendor's task page shows after an action that leaves the task open (a `task: any` action, such as
 * asking for more time), or undefined for a query that names none.
 */
export function vendorNotice(query: unknown, state: CaseState): string | undefined {
  const outcome = picked(VENDOR_OUTCOMES, query);
  if (!outcome || VENDOR_OUTCOMES[outcome.key]!.task !== 'any') return undefined;
  return `${VENDOR_OUTCOMES[outcome.key]!.text(state)}${repeated(outcome.again)}`;
}

/** `?staged=<fileId>` after an upload without JavaScript; the page names the file from the staged list. */
export function stagedOutcome(query: unknown): { fileId: string; again: boolean } | undefined {
  const { staged, again } = (query ?? {}) as Record<string, unknown>;
  return typeof staged === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(staged)
    ? { fileId: staged, again: again === '1' }
    : undefined;
}
