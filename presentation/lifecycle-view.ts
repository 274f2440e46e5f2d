// The lifecycle's steps as the stepper on every page and the API show them.
import type { CaseState } from '../domain/case-state';
import { isoOrNull } from '../domain/dates';
import { lifecycleSteps } from '../domain/lifecycle-steps';

/** The lifecycle's steps as the stepper and the API show them (times as ISO strings). */
export function lifecycleView(state: CaseState) {
  return lifecycleSteps(state).map(({ at, ...step }) => ({
    ...step,
    ...(at !== undefined ? { at: isoOrNull(at) } : {}),
  }));
}
