// Pure rules of the lifecycle, shared by the workflow's validators, the API and the tests.
import type { CaseInput } from './case-input';
import { categoryLabel, deadlinesOf } from './case-terms';
import type { CaseState, CategoryCount, StagedFileRef } from './case-state';
import type { BackupRolloff, Certification, SubprocessorCertification } from './certification';
import { dayOf } from './dates';
import { durationMs } from './durations';
import type { TaskKind } from './statuses';

/**
 * How long a task stays open before it is due. The backup roll-off confirmation gets the certify deadline, the
 * district's countersignature the review's.
 */
export function taskDurationMs(input: CaseInput, task: TaskKind): number {
  const deadlines = deadlinesOf(input);
  return durationMs(
    task === 'confirm_backup_rolloff' ? deadlines.certify : task === 'countersign' ? deadlines.review : deadlines[task],
  );
}

export const reminderEveryMs = (input: CaseInput): number => durationMs(deadlinesOf(input).reminderEvery);

/** The day certification may not precede: the district's acceptance of the return, or the acknowledgement. */
export function certificationFloor(state: CaseState): { day: string; what: string } | undefined {
  if (state.input.disposition.option === 'destroy_only') {
    return state.acknowledgement
      ? { day: dayOf(state.acknowledgement.at), what: 'the acknowledgement of the notice' }
      : undefined;
  }
  const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
  return accepted?.decision
    ? { day: dayOf(accepted.decision.at), what: "the district's acceptance of the returned data" }
    : undefined;
}

/** Problems of a certification against this case (7400.1 III.C and IV.A); empty when it can be accepted. */
export function certificationProblems(state: CaseState, cert: Certification, now: number): string[] {
  const problems: string[] = [];
  const today = dayOf(now + 86_400_000); // a day's slack for the vendor's time zone
  const floor = certificationFloor(state);
  const { destruction, tracking } = cert;
  if (floor && destruction.completedOn < floor.day) {
    problems.push(
      `destruction.completedOn: must not be before ${floor.what} on ${floor.day} (it says ${destruction.completedOn}; 7400.1 III.C)`,
    );
  }
  if (destruction.completedOn > today)
    problems.push(`destruction.completedOn: must not be in the future (it says ${destruction.completedOn})`);
  (destruction.systems ?? []).forEach((system, index) => {
    if (!system.completedOn) return;
    if (floor && system.completedOn < floor.day)
      problems.push(
        `destruction.systems.${index}.completedOn: must not be before ${floor.what} on ${floor.day} (it says ${system.completedOn}; 7400.1 III.C)`,
      );
    if (system.completedOn > today)
      problems.push(
        `destruction.systems.${index}.completedOn: must not be in the future (it says ${system.completedOn})`,
      );
  });

  const named = state.input.trackingMechanisms ?? [];
  const confirmed = new Map(tracking.mechanisms.map((m) => [m.name.trim().toLowerCase(), m]));
  for (const mechanism of named) {
    if (!confirmed.has(mechanism.name.toLowerCase())) {
      problems.push(
        `tracking.mechanisms: confirm that "${mechanism.name}" (${mechanism.kind}) is removed, with the date it was removed (7400.1 IV.A)`,
      );
    }
  }
  if (tracking.noneInUse && named.length > 0) {
    problems.push(`tracking.noneInUse: the case names ${named.length} tracking mechanism(s); confirm each instead`);
  }
  if (named.length === 0 && !tracking.noneInUse && tracking.mechanisms.length === 0) {
    problems.push('tracking: list the mechanisms removed, or state that none was in use');
  }
  tracking.mechanisms.forEach((m, index) => {
    if (m.removedOn > today)
      problems.push(`tracking.mechanisms.${index}.removedOn: must not be in the future (it says ${m.removedOn})`);
  });
  return problems;
}

/** Problems of a subprocessor's certification: the same dates as the vendor's destruction (7400.1 III.C). */
export function subprocessorCertificationProblems(
  state: CaseState,
  cert: SubprocessorCertification,
  now: number,
): string[] {
  const problems: string[] = [];
  const floor = certificationFloor(state);
  if (floor && cert.completedOn < floor.day)
    problems.push(
      `completedOn: must not be before ${floor.what} on ${floor.day} (it says ${cert.completedOn}; 7400.1 III.C)`,
    );
  if (cert.completedOn > dayOf(now + 86_400_000))
    problems.push(`completedOn: must not be in the future (it says ${cert.completedOn})`);
  return problems;
}

export function backupRolloffProblems(state: CaseState, confirmation: BackupRolloff, now: number): string[] {
  const rollOff = state.certification?.destruction.backups.rollOffDate;
  const problems: string[] = [];
  if (rollOff && confirmation.confirmedOn < rollOff) {
    problems.push(
      `confirmedOn: must not be before the roll-off date ${rollOff} the vendor certified (it says ${confirmation.confirmedOn})`,
    );
  }
  if (confirmation.confirmedOn > dayOf(now + 86_400_000))
    problems.push(`confirmedOn: must not be in the future (it says ${confirmation.confirmedOn})`);
  return problems;
}

/** Files, bytes and records per requested category, against the expected counts. */
export function countByCategory(
  input: CaseInput,
  files: StagedFileRef[],
): { categories: CategoryCount[]; shortfalls: string[] } {
  const categories: CategoryCount[] = input.disposition.categories.map((category) => {
    const mine = files.filter((file) => file.category === category.key);
    return {
      key: category.key,
      label: categoryLabel(category),
      files: mine.length,
      bytes: mine.reduce((sum, file) => sum + file.bytes, 0),
      ...(category.expectedRecords !== undefined ? { expectedRecords: category.expectedRecords } : {}),
      returnedRecords: mine.reduce((sum, file) => sum + (file.records ?? 0), 0),
    };
  });
  const shortfalls: string[] = [];
  for (const count of categories) {
    if (count.files === 0) shortfalls.push(`${count.label}: no file returned`);
    else if (count.expectedRecords !== undefined && count.returnedRecords < count.expectedRecords) {
      shortfalls.push(`${count.label}: ${count.returnedRecords} of ${count.expectedRecords} expected records`);
    }
  }
  return { categories, shortfalls };
}
