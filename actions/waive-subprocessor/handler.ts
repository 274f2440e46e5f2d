// The district lets the case finish without one subprocessor's certification, saying why.
import { addEvent } from '../../domain/case-state-changes';
import {
  afterSubprocessorSettled,
  handler,
  pendingSubprocessorNamed,
  refuseWhenClosed,
  subprocessorOf,
  type Outcome,
} from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const waiveSubprocessorOutcomes = {
  'subprocessor-waived': {
    text: () =>
      'Subprocessor waived: the case no longer waits for its certification, and the statement shows the waiver with its reason.',
  },
} satisfies Record<string, Outcome>;

export const waiveSubprocessorHandler = handler({
  update: 'waiveSubprocessor',
  outcomes: waiveSubprocessorOutcomes,
  validate: ({ state }, waiver) => {
    refuseWhenClosed(state);
    pendingSubprocessorNamed(state, waiver.subprocessorId);
  },
  apply: (run, req) => {
    const { state } = run;
    const sub = subprocessorOf(state, req.subprocessorId)!;
    const t = run.now();
    sub.waiver = { reason: req.reason, by: req.actor, at: t };
    addEvent(state, t, 'subprocessor_waived', req.actor, `${sub.name}'s certification waived: ${req.reason}`, {
      subprocessorId: sub.id,
    });
    afterSubprocessorSettled(run, t);
    return { outcome: 'subprocessor-waived', after: () => run.settleSubprocessor(sub.id) };
  },
});
