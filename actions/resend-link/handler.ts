// The district emails the vendor a new link for its open task; older links stop working.
import { openTaskOf, type CaseState } from '../../domain/case-state';
import { addEvent } from '../../domain/case-state-changes';
import { isVendorTask, TASK_TITLES } from '../../domain/statuses';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

const openTitle = (state: CaseState): string => {
  const open = openTaskOf(state);
  return open ? TASK_TITLES[open.kind] : 'the case';
};

/** What the page and the API answer say once it is done, by outcome. */
export const resendLinkOutcomes = {
  'link-sent': {
    text: (state) => `A new link for "${openTitle(state)}" is on its way to the vendor; older links no longer work.`,
  },
} satisfies Record<string, Outcome>;

export const resendLinkHandler = handler({
  update: 'resendLink',
  outcomes: resendLinkOutcomes,
  validate: ({ state }) => {
    refuseWhenClosed(state);
    const open = openTaskOf(state);
    if (!open || !isVendorTask(open.kind))
      refuse(REFUSAL.wrongState, `no vendor task is open; the case is ${state.status}`);
  },
  apply: ({ state, chores, now }, req) => {
    const task = openTaskOf(state)!;
    task.gen += 1; // older links stop working
    task.noticeSent = false;
    addEvent(
      state,
      now(),
      'link_resent',
      req.actor,
      `New link sent for "${TASK_TITLES[task.kind]}"; older links no longer work`,
    );
    const mail = {
      id: `notice-${task.kind}-${task.gen}`,
      kind: 'notice' as const,
      resent: true,
      task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt },
    };
    chores.push({ id: mail.id, kind: 'mail', mail });
    return 'link-sent';
  },
});
