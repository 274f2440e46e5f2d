// After the vendor was marked not cooperating, an administrator refers the case to legal counsel.
import { addEvent } from '../../domain/case-state-changes';
import { enforcementRefusal } from '../../domain/enforcement';
import { handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const referToLegalOutcomes = {
  referred: {
    text: () => "The case is referred to legal. Legal staff are emailed the referral letter with the case's history.",
  },
} satisfies Record<string, Outcome>;

export const referToLegalHandler = handler({
  update: 'referToLegal',
  outcomes: referToLegalOutcomes,
  validate: ({ state }) => {
    const refusal = enforcementRefusal(state, 'referred_to_legal');
    if (refusal) refuse(REFUSAL.wrongState, refusal);
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    (state.enforcement ??= []).push({ stage: 'referred_to_legal', note: req.note, by: req.actor, at: t });
    addEvent(state, t, 'referred_to_legal', req.actor, `Case referred to legal: ${req.note}`);
    chores.push({ id: 'referral', kind: 'mail', mail: { id: 'referral', kind: 'referral' } });
    return 'referred';
  },
});
