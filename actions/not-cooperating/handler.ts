// A vendor that went quiet: after reminders and escalation, an administrator marks it as not cooperating.
import { addEvent } from '../../domain/case-state-changes';
import { enforcementRefusal } from '../../domain/enforcement';
import { handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const markNotCooperatingOutcomes = {
  'not-cooperating': {
    text: () => 'The vendor is marked as not cooperating. Refer the case to legal when the note is not answered.',
  },
} satisfies Record<string, Outcome>;

export const markNotCooperatingHandler = handler({
  update: 'markNotCooperating',
  outcomes: markNotCooperatingOutcomes,
  validate: ({ state }) => {
    const refusal = enforcementRefusal(state, 'not_cooperating');
    if (refusal) refuse(REFUSAL.wrongState, refusal);
  },
  apply: ({ state, now }, req) => {
    const t = now();
    (state.enforcement ??= []).push({ stage: 'not_cooperating', note: req.note, by: req.actor, at: t });
    addEvent(state, t, 'vendor_not_cooperating', req.actor, `Vendor marked as not cooperating: ${req.note}`);
    return 'not-cooperating';
  },
});
