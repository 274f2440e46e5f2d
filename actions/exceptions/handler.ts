// The exceptions register: data the vendor may keep, and why; its certification covers all but these.
import { exceptionsOf } from '../../domain/case-state';
import { addEvent } from '../../domain/case-state-changes';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const addExceptionOutcomes = {
  'exception-added': {
    text: () => "Exception recorded. The vendor's certification will confirm all but the listed exceptions.",
  },
} satisfies Record<string, Outcome>;

export const addExceptionHandler = handler({
  update: 'addException',
  outcomes: addExceptionOutcomes,
  validate: ({ state }) => {
    refuseWhenClosed(state);
    if (state.certification)
      refuse(
        REFUSAL.wrongState,
        'the vendor has already certified destruction of all but the listed exceptions; an exception now would change what it certified',
      );
  },
  apply: (run, req) => {
    const { state } = run;
    const t = run.now();
    const exception = {
      id: `x${exceptionsOf(state).length + 1}`,
      kind: req.kind,
      scope: req.scope,
      reason: req.reason,
      ...(req.endsOn ? { endsOn: req.endsOn } : {}),
      addedBy: req.actor,
      addedAt: t,
    };
    (state.exceptions ??= []).push(exception);
    addEvent(
      state,
      t,
      'exception_added',
      req.actor,
      `Exception recorded: ${req.scope} (${req.reason})${req.endsOn ? `, until ${req.endsOn}` : ''}`,
    );
    return { outcome: 'exception-added', after: () => run.remindWhenExceptionEnds(exception) };
  },
});
