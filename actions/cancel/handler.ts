// The district cancels the case: what it has not accepted is destroyed (7400.1 II.C), the vendor is told.
import * as wf from '@temporalio/workflow';
import { legalHoldOn } from '../../domain/case-state';
import { addEvent, closeOpenTask } from '../../domain/case-state-changes';
import { handler, refuseWhenClosed, type Outcome } from '../handler-kit';

/**
 * The patch under which the record owns the legal hold (CaseRecordStore.setLegalHold): disposals and the end of
 * retention are decided against the record by their activities, not against the hold a workflow last saw.
 */
export const LEGAL_HOLD_IN_RECORD = 'legal-hold-in-record';

/** What the page and the API answer say once it is done, by outcome. */
export const cancelOutcomes = { cancelled: { text: () => 'Case cancelled.' } } satisfies Record<string, Outcome>;

export const cancelHandler = handler({
  update: 'cancelCase',
  outcomes: cancelOutcomes,
  validate: ({ state }) => refuseWhenClosed(state),
  apply: (run, req) => {
    const { state, chores } = run;
    const t = run.now();
    const fromStatus = state.status;
    closeOpenTask(state, t, 'cancelled');
    state.cancellation = { reason: req.reason, by: req.actor, at: t, fromStatus };
    state.status = 'cancelled';
    addEvent(state, t, 'case_cancelled', req.actor, `Case cancelled: ${req.reason}`);
    run.cancelSlowStep();
    // The record owns the legal hold and each disposal checks it there (activities/dispose-data.ts); cases
    // before that decided here, from the hold this state last saw.
    if (wf.patched(LEGAL_HOLD_IN_RECORD) || !legalHoldOn(state)) {
      // Nothing the district has not accepted is kept once the case is cancelled (7400.1 II.C).
      chores.push({ id: 'dispose-staged-cancel', kind: 'dispose_staged' });
      const round = state.returnRounds.at(-1);
      if (round?.packageId && round.decision?.decision !== 'accept') {
        chores.push({ id: `dispose-package-${round.round}`, kind: 'dispose_package', packageId: round.packageId });
      }
    }
    chores.push({
      id: 'cancellation',
      kind: 'mail',
      mail: { id: 'cancellation', kind: 'cancellation', reason: req.reason },
    });
    return 'cancelled';
  },
});
