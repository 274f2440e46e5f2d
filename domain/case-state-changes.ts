// Deterministic changes to a case's state, applied by the workflow's handlers and main loop.
import type { CaseState, TaskState, TimelineEvent } from './case-state';
import { latestTask, openTaskOf } from './case-state';
import type { CaseInput } from './case-input';
import { taskDurationMs } from './lifecycle';
import type { MailSpec } from './mail';
import { STATUS_OF_TASK, type TaskKind } from './statuses';

/** Side effects the main loop still owes after a transition; carried across continue-as-new. */
export type Chore =
  | { id: string; kind: 'mail'; mail: MailSpec }
  | { id: string; kind: 'dispose_staged' }
  | { id: string; kind: 'dispose_package'; packageId: string }
  | { id: string; kind: 'follow_up_subprocessor'; subprocessorId: string };

/** What starts a case's workflow (`terminationCase`), and what it carries across continue-as-new. */
export interface TerminationCaseParams {
  caseId: string;
  input: CaseInput;
  createdBy: string;
  /** History events a run may grow to before it continues as new (long cases stay healthy). */
  historyBudget?: number;
  /** How long the accepted return package is kept after the case ends (RETENTION). */
  retentionMs?: number;
  /** Carried across continue-as-new. */
  carried?: { state: CaseState; chores: Chore[] };
}

export function newCaseState(caseId: string, input: CaseInput, createdBy: string, now: number): CaseState {
  return {
    caseId,
    input,
    status: 'awaiting_acknowledgement',
    createdAt: now,
    updatedAt: now,
    version: 0,
    createdBy,
    tasks: [],
    returnRounds: [],
    legalHold: [],
    timeline: [],
    settledUpdates: {},
  };
}

export function addEvent(
  state: CaseState,
  now: number,
  type: string,
  actor: string,
  summary: string,
  detail?: Record<string, unknown>,
): TimelineEvent {
  const event: TimelineEvent = {
    seq: state.timeline.length + 1,
    at: now,
    type,
    actor,
    summary,
    ...(detail ? { detail } : {}),
  };
  state.timeline.push(event);
  return event;
}

/** Opens a task (due its deadline from now) and moves the case to the status of that task. */
/** The district's tasks are asked for by their own message; the vendor's by a notice (or a rejection). */
const DISTRICT_REQUESTS: Partial<Record<TaskKind, MailSpec['kind']>> = {
  review: 'review_request',
  countersign: 'signoff_request',
};

export function openTask(
  state: CaseState,
  kind: TaskKind,
  now: number,
  chores: Chore[],
  mailKind: 'notice' | 'rejection' | 'review_request' = 'notice',
  reason?: string,
  mailDetails: Pick<MailSpec, 'missingStudents'> = {},
): TaskState {
  const gen = (latestTask(state, kind)?.gen ?? 0) + 1;
  const task: TaskState = {
    kind,
    gen,
    openedAt: now,
    dueAt: now + taskDurationMs(state.input, kind),
    noticeSent: false,
    reminders: 0,
    overdue: false,
  };
  state.tasks.push(task);
  state.status = STATUS_OF_TASK[kind];
  const mail: MailSpec = {
    id: `${mailKind}-${kind}-${gen}`,
    kind: DISTRICT_REQUESTS[kind] ?? mailKind,
    task: { kind, gen, dueAt: task.dueAt },
    ...(reason ? { reason } : {}),
    ...mailDetails,
  };
  chores.push({ id: mail.id, kind: 'mail', mail });
  return task;
}

export function closeOpenTask(
  state: CaseState,
  now: number,
  outcome: NonNullable<TaskState['outcome']>,
): TaskState | undefined {
  const task = openTaskOf(state);
  if (task) {
    task.closedAt = now;
    task.outcome = outcome;
  }
  return task;
}

/**
 * Everything the vendor owes is in: the statement is issued, unless the case asks legal staff to countersign
 * first (`input.legalSignoff`), which opens the district's countersignature task.
 */
export function readyForStatement(state: CaseState, now: number, chores: Chore[]): void {
  if (state.input.legalSignoff && !state.signoff) openTask(state, 'countersign', now, chores);
  else state.status = 'generating_statement';
}
