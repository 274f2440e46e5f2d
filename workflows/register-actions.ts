// The messages a termination case answers: every action of actions/handlers.ts, each with its validator and the
// one ending all share (the record written before the answer, a repeat answered with the first result), the
// subprocessors' follow-ups' news, and the query of the whole state. The slow work is the main loop's
// (termination-case.ts).
import type { UpdateDefinition } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { ActionResult, CaseState } from '../domain/case-state';
import { isTerminal } from '../domain/statuses';
import { addEvent } from '../domain/case-state-changes';
import { ACTION_HANDLERS } from '../actions/handlers';
import { parsePayload, subprocessorOf, type CaseRun } from '../actions/handler-kit';
import { actionUpdate, caseState } from './messages';
import { subprocessorNews } from './subprocessor-follow-up';
import type { RequestTrace } from './request-trace';

export interface RunningCase extends CaseRun {
  /** Marks a transition: the record and the search attributes follow it. */
  changed: () => void;
  persist: () => Promise<void>;
  /** The trace the main loop's next step joins: the request of the action that last moved the case. */
  requestTrace: RequestTrace;
}

export function registerCaseMessages(run: RunningCase): void {
  const { state } = run;
  for (const action of ACTION_HANDLERS) {
    // The validator below parsed the payload against this update's own schema before the handler runs.
    const update = actionUpdate(action.update) as UpdateDefinition<ActionResult, [never], string>;
    wf.setHandler(
      update,
      async (request: never): Promise<ActionResult> => {
        const id = action.settledId?.(request);
        const settled = id === undefined ? undefined : state.settledUpdates[id];
        if (settled) return { ...settled, alreadyDone: true };
        const applied = action.apply(run, request);
        const { outcome, after } = typeof applied === 'string' ? { outcome: applied, after: undefined } : applied;
        run.changed();
        run.requestTrace.note();
        // The answer names the status this action set: while the record is written the case may already move on.
        const answered = state.status;
        await run.persist();
        await after?.();
        const answer: ActionResult = {
          caseId: state.caseId,
          status: answered,
          message: action.outcomes[outcome]!.text(state),
        };
        if (id !== undefined) state.settledUpdates[id] = answer;
        return answer;
      },
      {
        validator: (request: never) => {
          const parsed = parsePayload(action.update, request) as never;
          const id = action.settledId?.(parsed);
          if (id !== undefined && state.settledUpdates[id]) return; // a repeat: answered with the first result
          action.validate(run, parsed);
        },
      },
    );
  }

  wf.setHandler(subprocessorNews, async (news) => {
    const sub = subprocessorOf(state, news.subprocessorId);
    if (!sub || sub.certification || sub.waiver || isTerminal(state.status)) return;
    if (news.event === 'notice_sent') {
      sub.noticeSent = true;
      sub.lastNoticeAt = news.at;
      addEvent(state, news.at, 'mail_sent', 'system', `Notice sent to the subprocessor ${sub.name}, the vendor copied`);
    } else if (news.event === 'reminder_sent') {
      sub.reminders += 1;
      sub.lastNoticeAt = news.at;
      addEvent(state, news.at, 'reminder_sent', 'system', `Reminder ${sub.reminders} to the subprocessor ${sub.name}`);
    } else {
      sub.overdue = true;
      addEvent(
        state,
        news.at,
        'task_overdue',
        'system',
        `${sub.name}'s certification is overdue; the administrators are alerted`,
      );
    }
    run.changed();
    await run.persist();
  });

  wf.setHandler(caseState, (): CaseState => state);
}
