// A vendor that goes quiet: its open task is reminded on the case's cadence, escalated to the administrators
// once it is overdue, then an administrator may mark the vendor as not cooperating (with a note), and then refer
// the case to legal counsel (legal staff are told, with a letter of the case's history). Each case is at one of
// these stages, which the case list shows and filters on. Schema-free: the workflow and the stores import it.
import { openTaskOf, pendingSubprocessors, type CaseState, type EnforcementStep } from './case-state';
import { readableMoment } from './dates';
import { DAY_MS } from './durations';
import { isTerminal, isVendorTask } from './statuses';

export const ENFORCEMENT_STAGES = ['none', 'reminded', 'escalated', 'not_cooperating', 'referred_to_legal'] as const;
export type EnforcementStage = (typeof ENFORCEMENT_STAGES)[number];

export const ENFORCEMENT_LABELS: Record<EnforcementStage, string> = {
  none: 'On track',
  reminded: 'Reminded',
  escalated: 'Overdue, escalated to the administrators',
  not_cooperating: 'Vendor not cooperating',
  referred_to_legal: 'Referred to legal',
};

/**
 * The stage a case is at: the last step a person took, else what its open vendor task shows (or, while the
 * vendor's subprocessors certify, theirs: the vendor answers for them).
 */
export function enforcementStage(
  state: Pick<CaseState, 'tasks' | 'status' | 'enforcement' | 'subprocessors'>,
): EnforcementStage {
  const taken = state.enforcement?.at(-1)?.stage;
  if (taken) return taken;
  if (isTerminal(state.status)) return 'none';
  const task = openTaskOf(state);
  const waiting = task ? (isVendorTask(task.kind) ? [task] : []) : pendingSubprocessors(state);
  if (waiting.some((w) => w.overdue)) return 'escalated';
  return waiting.some((w) => w.reminders > 0) ? 'reminded' : 'none';
}

/** The referral to legal, when the case has one. */
export const referralOf = (state: Pick<CaseState, 'enforcement'>): EnforcementStep | undefined =>
  [...(state.enforcement ?? [])].reverse().find((s) => s.stage === 'referred_to_legal');

/** Why a step cannot be taken now, or undefined when it can. */
export function enforcementRefusal(
  state: Pick<CaseState, 'tasks' | 'status' | 'enforcement' | 'subprocessors'>,
  step: 'not_cooperating' | 'referred_to_legal',
): string | undefined {
  if (isTerminal(state.status)) return `the case is ${state.status}`;
  const stage = enforcementStage(state);
  if (step === 'not_cooperating') {
    if (stage === 'not_cooperating' || stage === 'referred_to_legal')
      return `the vendor is already marked: ${ENFORCEMENT_LABELS[stage].toLowerCase()}`;
    if (stage !== 'escalated')
      return 'only a vendor task that is overdue (and escalated) can lead to this; extend the deadline or wait';
    return undefined;
  }
  if (stage === 'referred_to_legal') return 'the case is already referred to legal';
  if (stage !== 'not_cooperating') return 'mark the vendor as not cooperating first, with a note';
  return undefined;
}

/** Whole days until `dueAt` (negative once overdue), counted as a person reads a calendar: 0 is today. */
export function daysLeft(dueAt: number, now: number): number {
  const startOfDay = (t: number): number => Math.floor(t / DAY_MS);
  return startOfDay(dueAt) - startOfDay(now);
}

export function daysLeftInWords(dueAt: number, now: number): string {
  const days = daysLeft(dueAt, now);
  if (days === 0) return now > dueAt ? 'overdue since today' : 'due today';
  if (days > 0) return `${days} day${days === 1 ? '' : 's'} left`;
  return `${-days} day${days === -1 ? '' : 's'} overdue`;
}

/** A due time as every page, mail and CLI line shows it: "9 December 2026, 23:59 UTC (2 days left)". */
export const dueWithDaysLeft = (dueAt: number, now: number): string =>
  `${readableMoment(dueAt)} (${daysLeftInWords(dueAt, now)})`;
