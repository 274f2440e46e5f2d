// A legal hold keeps the case's data past every disposal until it is released. The case record owns the hold
// (written there in one transaction whatever the case's state); the workflow is told after, for its timeline.
import { legalHoldMessage, legalHoldOn, legalHoldSummary } from '../../domain/case-state';
import { addEvent } from '../../domain/case-state-changes';
import { handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const legalHoldOutcomes = {
  'hold-set': { text: () => legalHoldMessage(true) },
  'hold-released': { text: () => legalHoldMessage(false) },
} satisfies Record<string, Outcome>;

export const legalHoldHandler = handler({
  update: 'setLegalHold',
  outcomes: legalHoldOutcomes,
  validate: ({ state }, hold) => {
    if (legalHoldOn(state) === hold.on)
      refuse(REFUSAL.wrongState, `the legal hold is already ${hold.on ? 'on' : 'off'}`);
  },
  apply: (run, req) => {
    const { state } = run;
    const t = run.now();
    state.legalHold.push({ on: req.on, reason: req.reason, by: req.actor, at: t });
    addEvent(
      state,
      t,
      req.on ? 'legal_hold_set' : 'legal_hold_released',
      req.actor,
      legalHoldSummary(req.on, req.reason),
    );
    return { outcome: req.on ? 'hold-set' : 'hold-released', after: () => run.forwardLegalHold(req.on) };
  },
});
