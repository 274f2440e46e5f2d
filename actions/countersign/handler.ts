// Legal staff countersign for the district (cases started with legalSignoff); only then is the statement issued.
import { openTaskOf } from '../../domain/case-state';
import { addEvent, closeOpenTask } from '../../domain/case-state-changes';
import { updateId } from '../../domain/update-ids';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const countersignOutcomes = {
  countersigned: { text: () => 'Countersigned for the district. The statement is being issued and will name you.' },
} satisfies Record<string, Outcome>;

export const countersignHandler = handler({
  update: 'countersignStatement',
  outcomes: countersignOutcomes,
  settledId: (req) => updateId('countersign', req.gen, 'countersignStatement'),
  validate: ({ state }, signoff) => {
    refuseWhenClosed(state);
    const open = openTaskOf(state);
    if (open?.kind !== 'countersign') {
      refuse(
        REFUSAL.wrongState,
        state.input.legalSignoff
          ? `the case does not wait for a countersignature now; it is ${state.status} (legal countersigns once the vendor's certification, backups and subprocessors are all in)`
          : 'this case was started without a countersignature by legal staff (legalSignoff)',
      );
    }
    if (open.gen !== signoff.gen)
      refuse(REFUSAL.staleLink, 'this countersignature answers an earlier request; reload the case');
  },
  apply: ({ state, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    state.signoff = { by: req.actor, at: t, ...(req.note ? { note: req.note } : {}) };
    addEvent(
      state,
      t,
      'statement_countersigned',
      req.actor,
      `Countersigned for the district by ${req.actor}${req.note ? `: ${req.note}` : ''}`,
    );
    state.status = 'generating_statement';
    return 'countersigned';
  },
});
