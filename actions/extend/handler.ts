// The district moves the open task's due time; reminders and escalation follow the new date, and a vendor task's
// vendor is told.
import type { CaseRun } from '../handler-kit';
import { openTaskOf, type CaseState } from '../../domain/case-state';
import { addEvent } from '../../domain/case-state-changes';
import { parseMoment, readableMoment } from '../../domain/dates';
import { MAX_DEADLINE_MS } from '../../domain/durations';
import { isVendorTask, TASK_TITLES, type TaskKind } from '../../domain/statuses';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

/** A date or moment the schema has checked already. */
const untilMs = (text: string): number => parseMoment(text)!;

/** Refuses a new due time for `task` that is not open, not later than now and its due time, or too far ahead. */
export function validateNewDueTime(state: CaseState, now: number, task: TaskKind, until: string): void {
  refuseWhenClosed(state);
  const open = openTaskOf(state);
  if (open?.kind !== task)
    refuse(REFUSAL.wrongState, `the task "${TASK_TITLES[task]}" is not open; the case is ${state.status}`);
  if (untilMs(until) <= Math.max(open.dueAt, now)) {
    refuse(
      REFUSAL.invalidPayload,
      `until: an extension must move the due time later than ${new Date(Math.max(open.dueAt, now)).toISOString()}`,
    );
  }
  if (untilMs(until) > now + MAX_DEADLINE_MS)
    refuse(REFUSAL.invalidPayload, 'until: an extension may reach at most 10 years ahead');
}

/** Moves the open task's due time to `until`, on the timeline with `summary`; a vendor task's vendor is mailed. */
export function moveDueTime(
  run: CaseRun,
  until: string,
  actor: string,
  reason: string,
  summary = (title: string, iso: string) => `${title}: due ${iso} (${reason})`,
): void {
  const { state, chores } = run;
  const task = openTaskOf(state)!;
  task.dueAt = untilMs(until);
  task.overdue = false;
  addEvent(
    state,
    run.now(),
    'deadline_extended',
    actor,
    summary(TASK_TITLES[task.kind], new Date(task.dueAt).toISOString()),
  );
  if (isVendorTask(task.kind)) {
    const mail = {
      id: `extension-${task.kind}-${task.gen}-${task.dueAt}`,
      kind: 'extension' as const,
      task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt },
      reason,
    };
    chores.push({ id: mail.id, kind: 'mail', mail });
  }
}

/** What the page and the API answer say once it is done, by outcome. */
export const extendOutcomes = {
  extended: {
    text: (state) => {
      const open = openTaskOf(state);
      return open
        ? `Due time extended: "${TASK_TITLES[open.kind]}" is now due ${readableMoment(open.dueAt)}.`
        : 'Due time extended.';
    },
  },
} satisfies Record<string, Outcome>;

export const extendHandler = handler({
  update: 'extendDeadline',
  outcomes: extendOutcomes,
  validate: ({ state, now }, extension) => validateNewDueTime(state, now(), extension.task, extension.until),
  apply: (run, req) => {
    moveDueTime(run, req.until, req.actor, req.reason);
    return 'extended';
  },
});
