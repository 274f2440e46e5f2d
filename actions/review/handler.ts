// The district reviews the returned data: accepted, the vendor may certify destruction (7400.1 III.C); rejected,
// it returns the data again with the reason.
import { openTaskOf } from '../../domain/case-state';
import { addEvent, closeOpenTask, openTask } from '../../domain/case-state-changes';
import { grouped } from '../../domain/roster-coverage';
import { updateId } from '../../domain/update-ids';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

const missingStudents = (n: number): string => (n === 1 ? '1 missing student' : `${grouped(n)} missing students`);

/** What the page and the API answer say once it is done, by outcome. */
export const reviewOutcomes = {
  accepted: { text: () => 'Return accepted; the vendor is asked to certify destruction.' },
  rejected: { text: () => 'Return rejected; the vendor is told why and asked to return the data again.' },
} satisfies Record<string, Outcome>;

export const reviewHandler = handler({
  update: 'reviewReturn',
  outcomes: reviewOutcomes,
  settledId: (req) => updateId('review', req.gen, 'reviewReturn'),
  validate: ({ state }, review) => {
    refuseWhenClosed(state);
    const open = openTaskOf(state);
    if (open?.kind !== 'review')
      refuse(REFUSAL.wrongState, `there is no returned data waiting for review; the case is ${state.status}`);
    if (open.gen !== review.gen)
      refuse(
        REFUSAL.staleLink,
        'this decision is about an earlier return; reload the case and review the latest package',
      );
    // Data that falls short is accepted only with the district's reason, which the timeline and statement keep.
    const shortfalls = state.returnRounds.at(-1)?.shortfalls ?? [];
    if (review.decision === 'accept' && shortfalls.length && !review.reason?.trim())
      refuse(
        REFUSAL.invalidPayload,
        `reason: the returned data falls short (${shortfalls.join('; ')}); to accept it all the same, say why, for the record and the statement`,
      );
    if (review.listMissing && review.decision !== 'reject')
      refuse(
        REFUSAL.invalidPayload,
        "listMissing: only a rejection lists the roster's missing students for the vendor",
      );
    if (review.listMissing && !state.returnRounds.at(-1)?.roster?.missing)
      refuse(
        REFUSAL.invalidPayload,
        'listMissing: no student of the roster is missing from this return, so there is nothing to list',
      );
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    const round = state.returnRounds.at(-1)!;
    round.decision = { decision: req.decision, ...(req.reason ? { reason: req.reason } : {}), by: req.actor, at: t };
    if (req.decision === 'accept') {
      const package_ = `package ${round.zipSha256?.slice(0, 12) ?? ''}…`;
      addEvent(
        state,
        t,
        'return_accepted',
        req.actor,
        round.shortfalls.length && req.reason
          ? `Returned data accepted with shortfalls (${package_}): ${req.reason}`
          : `Returned data accepted (${package_})`,
      );
      // 7400.1 III.C: only now may the vendor certify destruction. The staged copies are no longer needed.
      chores.push({ id: `dispose-staged-${round.round}`, kind: 'dispose_staged' });
      openTask(state, 'certify', t, chores);
      return 'accepted';
    }
    const missing = req.listMissing ? (round.roster?.missing ?? 0) : 0;
    addEvent(
      state,
      t,
      'return_rejected',
      req.actor,
      `Returned data rejected: ${req.reason}${missing ? ` (the identifiers of the ${missingStudents(missing)} of the roster sent to the vendor)` : ''}`,
    );
    if (round.packageId)
      chores.push({ id: `dispose-package-${round.round}`, kind: 'dispose_package', packageId: round.packageId });
    openTask(
      state,
      'return',
      t,
      chores,
      'rejection',
      req.reason,
      missing ? { missingStudents: { round: round.round } } : {},
    );
    return 'rejected';
  },
});
