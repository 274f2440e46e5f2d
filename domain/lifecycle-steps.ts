// Where a case stands in the lifecycle of policy 7400.1 Section III, step by step, for the stepper on the case
// page and the vendor's page: notice → return → review → certification → backups → (subprocessors) → statement.
// A case that only asks for destruction has no return and no review; one whose vendor named no subprocessor has
// no subprocessors step.
import { pendingSubprocessors, subprocessorsOf, type CaseState } from './case-state';
import type { CaseStatus } from './statuses';

export type StepKey =
  'notice' | 'return' | 'review' | 'certification' | 'backups' | 'subprocessors' | 'signoff' | 'statement';
export type StepState = 'done' | 'current' | 'upcoming' | 'stopped';

export interface LifecycleStep {
  key: StepKey;
  title: string;
  state: StepState;
  /** When the step was done (ms). */
  at?: number;
  note?: string;
}

const TITLES: Record<StepKey, string> = {
  notice: 'Notice',
  return: 'Return of data',
  review: 'District review',
  certification: 'Certification',
  backups: 'Backups',
  subprocessors: 'Subprocessors',
  signoff: 'Countersignature',
  statement: 'Statement',
};

const STEP_OF_STATUS: Partial<Record<CaseStatus, StepKey>> = {
  awaiting_acknowledgement: 'notice',
  awaiting_return: 'return',
  packaging: 'return',
  awaiting_review: 'review',
  awaiting_certification: 'certification',
  awaiting_backup_rolloff: 'backups',
  awaiting_subprocessors: 'subprocessors',
  awaiting_signoff: 'signoff',
  generating_statement: 'statement',
};

export function lifecycleSteps(state: CaseState): LifecycleStep[] {
  const returns = state.input.disposition.option === 'return_then_destroy';
  const subprocessors = subprocessorsOf(state);
  const keys: StepKey[] = [
    ...(returns
      ? (['notice', 'return', 'review', 'certification', 'backups'] as const)
      : (['notice', 'certification', 'backups'] as const)),
    ...(subprocessors.length ? (['subprocessors'] as const) : []),
    ...(state.input.legalSignoff ? (['signoff'] as const) : []),
    'statement',
  ];
  const settledAt = subprocessors.map((s) => s.certification?.at ?? s.waiver?.at ?? 0);
  const waived = subprocessors.filter((s) => s.waiver).length;
  const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
  const backups = state.certification?.destruction.backups;
  const done: Partial<Record<StepKey, { at: number; note?: string }>> = {
    ...(state.acknowledgement ? { notice: { at: state.acknowledgement.at } } : {}),
    ...(accepted
      ? {
          return: { at: accepted.submittedAt, note: `round ${accepted.round}` },
          review: { at: accepted.decision!.at, note: 'accepted' },
        }
      : {}),
    ...(state.certification ? { certification: { at: state.certification.at } } : {}),
    ...(state.backupRolloff
      ? { backups: { at: state.backupRolloff.at, note: `rolled off ${state.backupRolloff.confirmedOn}` } }
      : backups?.destroyed && state.certification
        ? { backups: { at: state.certification.at, note: 'destroyed with the data' } }
        : {}),
    ...(subprocessors.length && pendingSubprocessors(state).length === 0
      ? {
          subprocessors: {
            at: Math.max(...settledAt),
            note: `${subprocessors.length - waived} certified${waived ? `, ${waived} waived` : ''}`,
          },
        }
      : {}),
    ...(state.signoff ? { signoff: { at: state.signoff.at, note: state.signoff.by.replace(/^user:/, '') } } : {}),
    ...(state.statement ? { statement: { at: state.statement.issuedAt } } : {}),
  };
  const stoppedAt =
    state.status === 'cancelled'
      ? STEP_OF_STATUS[state.cancellation?.fromStatus ?? 'awaiting_acknowledgement']
      : undefined;
  const current = STEP_OF_STATUS[state.status];
  return keys.map((key) => {
    const finished = done[key];
    if (finished)
      return {
        key,
        title: TITLES[key],
        state: 'done',
        at: finished.at,
        ...(finished.note ? { note: finished.note } : {}),
      };
    if (key === current) return { key, title: TITLES[key], state: 'current' };
    if (key === stoppedAt) return { key, title: TITLES[key], state: 'stopped', note: 'the case was cancelled here' };
    return { key, title: TITLES[key], state: 'upcoming' };
  });
}
