// The workflow's side of an action, as each folder's handler.ts declares it: a validator that refuses with a reason
// a person can act on, and a state change that names its outcome. workflows/register-actions.ts registers every
// handler of actions/handlers.ts with one shared ending (the record written, the answer settled).
//
// Deterministic code only: the workflow bundle loads this module and every handler.ts. The payload schemas come from
// the declarations (actions/registry.ts), loaded on the first validation: each cached case has its own copy of every
// module it loads, and a case waiting weeks on its vendor never needs them.
import { ApplicationFailure } from '@temporalio/workflow';
import type { CaseException, CaseState, SubprocessorState } from '../domain/case-state';
import { openTaskOf, pendingSubprocessors, subprocessorsOf } from '../domain/case-state';
import type { Chore } from '../domain/case-state-changes';
import { readyForStatement } from '../domain/case-state-changes';
import type { LinkRef } from '../domain/messages';
import { isTerminal, linkTaskTitle, STATUS_LABELS, type LinkTaskKind } from '../domain/statuses';
import { linkUpdateId } from '../domain/update-ids';
import type * as Registry from './registry';
import type * as Messages from '../domain/messages';
import type { RequestOf, UpdateName } from './registry';

/** What a page (after the redirect) and the API answer say once the action is taken; `title` heads the vendor's page. */
export interface Outcome {
  title?: string;
  text: (state: CaseState) => string;
}

/** Failure types of refused updates; the API maps them to HTTP statuses. */
export const REFUSAL = {
  invalidPayload: 'invalid_payload',
  wrongState: 'wrong_state',
  staleLink: 'stale_link',
} as const;
export type RefusalType = (typeof REFUSAL)[keyof typeof REFUSAL];

/** The running case as a handler sees it. */
export interface CaseRun {
  state: CaseState;
  chores: Chore[];
  now: () => number;
  /** Stops the packaging or the statement under way (a cancellation). */
  cancelSlowStep: () => void;
  /** Starts the timer that tells the administrators when an exception ends (none without an end date). */
  remindWhenExceptionEnds: (exception: CaseException) => Promise<void>;
  /** Tells the retention workflow, once the case has started it, of a legal hold. */
  forwardLegalHold: (on: boolean) => Promise<void>;
  /** Tells a subprocessor's follow-up that it is settled (certified or waived), so it sends nothing more. */
  settleSubprocessor: (id: string) => Promise<void>;
  /** Tells a subprocessor's follow-up of a new link generation, whose notice it sends. */
  relinkSubprocessor: (id: string, gen: number) => Promise<void>;
  /** Tells a subprocessor's follow-up of a later due time, which escalation then waits for. */
  moveSubprocessorDue: (id: string, dueAt: number) => Promise<void>;
}

/** What a state change answers: its outcome's key, and what to tell others once the record is written. */
export type Applied = string | { outcome: string; after: () => Promise<void> };

export interface ActionHandler<U extends UpdateName = UpdateName> {
  update: U;
  /** The sentences this action answers with, by outcome key (the declaration's page messages are these). */
  outcomes: Record<string, Outcome>;
  /** The id under which a repeat answers the first result instead of acting twice; none: every request acts. */
  settledId?: (request: RequestOf<U>) => string;
  /** Refuses (`refuse`) what the case cannot take now; the payload has been checked against its schema. */
  validate: (run: CaseRun, request: RequestOf<U>) => void;
  /** Changes the state, synchronously, before the record is written. */
  apply: (run: CaseRun, request: RequestOf<U>) => Applied;
}

/** A handler, typed by its update's payload. */
export const handler = <U extends UpdateName>(definition: ActionHandler<U>): ActionHandler<U> => definition;

export function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ message, type, nonRetryable: true });
}

let loaded: { registry: typeof Registry; messages: typeof Messages } | undefined;

/** The payload of an update, checked by its action's declaration (loaded on the first call). */
export function parsePayload<U extends UpdateName>(update: U, payload: unknown): RequestOf<U> {
  /* eslint-disable @typescript-eslint/no-require-imports -- the schemas load on the first validation, not with the bundle */
  loaded ??= {
    registry: require('./registry') as typeof Registry,
    messages: require('../domain/messages') as typeof Messages,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const parsed = loaded.registry.messageSchemaOf(update).safeParse(payload);
  if (!parsed.success) refuse(REFUSAL.invalidPayload, loaded.messages.describeZodError(parsed.error));
  return parsed.data as RequestOf<U>;
}

export function refuseWhenClosed(state: CaseState): void {
  if (isTerminal(state.status))
    refuse(REFUSAL.wrongState, `the case is ${state.status}; nothing more can be done on it`);
}

/** A vendor action must come through the link of the task that is open now, in its current generation. */
export function checkVendorLink(state: CaseState, link: LinkRef, task?: LinkTaskKind): void {
  refuseWhenClosed(state);
  // The link of another task than the action's: say so, whatever the case waits for.
  if (task) requireTask(link, task);
  const open = openTaskOf(state);
  if (!open || open.kind !== link.task) {
    const accepted = state.returnRounds.some((round) => round.decision?.decision === 'accept');
    if (link.task === 'certify' && state.input.disposition.option === 'return_then_destroy' && !accepted) {
      // 7400.1 III.C: the statement of destruction comes after the return of all information.
      refuse(
        REFUSAL.wrongState,
        `certification is accepted only after the district accepted the returned data; the case is ${state.status}`,
      );
    }
    const done = state.tasks.some((t) => t.kind === link.task && t.outcome === 'done');
    refuse(
      REFUSAL.wrongState,
      done
        ? `"${linkTaskTitle(link.task)}" is already done; the case now waits for ${open ? `"${linkTaskTitle(open.kind as LinkTaskKind)}"` : STATUS_LABELS[state.status].toLowerCase()}`
        : `the task "${linkTaskTitle(link.task)}" is not open; the case is ${state.status}`,
    );
  }
  if (link.gen !== open.gen) {
    refuse(
      REFUSAL.staleLink,
      link.gen < open.gen
        ? 'this link was replaced by a newer one; use the link in the most recent email'
        : 'this link does not belong to the task that is open',
    );
  }
}

/** The link must be for `expected`, the task whose action this is. */
export function requireTask(link: LinkRef, expected: LinkTaskKind): void {
  if (link.task !== expected)
    refuse(
      REFUSAL.wrongState,
      `this link is for "${linkTaskTitle(link.task)}"; "${linkTaskTitle(expected)}" takes the link sent for it, in its own email`,
    );
}

/** A vendor action's settled id: one per link generation (a subprocessor's names its subprocessor). */
export const byLink =
  (update: string) =>
  (request: { link: LinkRef }): string =>
    linkUpdateId(request.link, update);

// ---- the vendor's subprocessors ------------------------------------------------------------------------------

export const subprocessorOf = (state: CaseState, id: string | undefined): SubprocessorState | undefined =>
  subprocessorsOf(state).find((s) => s.id === id);

/** The subprocessor a district action names, refused when the case has none by that id or it is settled. */
export function pendingSubprocessorNamed(state: CaseState, id: string): SubprocessorState {
  const sub = subprocessorOf(state, id);
  const ids = subprocessorsOf(state).map((s) => s.id);
  if (!sub)
    refuse(
      REFUSAL.invalidPayload,
      `subprocessorId: the case has no subprocessor ${id}${ids.length ? ` (it has ${ids.join(', ')})` : ''}`,
    );
  if (sub.certification) refuse(REFUSAL.wrongState, `${sub.name} has already certified its destruction`);
  if (sub.waiver) refuse(REFUSAL.wrongState, `${sub.name}'s certification is already waived`);
  return sub;
}

/** Once no subprocessor is pending, a case that waited only for them goes on to its statement. */
export function afterSubprocessorSettled(run: CaseRun, now: number): void {
  if (run.state.status === 'awaiting_subprocessors' && pendingSubprocessors(run.state).length === 0)
    readyForStatement(run.state, now, run.chores);
}
