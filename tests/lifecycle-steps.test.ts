// The lifecycle stepper's steps, from the case state alone.
import { describe, expect, it } from 'vitest';
import type { CaseState } from '../domain/case-state';
import { lifecycleSteps } from '../domain/lifecycle-steps';
import { caseInput, certification } from './support/fixtures';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const DAY = 86_400_000;

function state(overrides: Partial<CaseState> = {}, option: 'return_then_destroy' | 'destroy_only' = 'return_then_destroy'): CaseState {
  const input = caseInput({ disposition: { option } });
  return {
    caseId: 'case00000001', input, status: 'awaiting_acknowledgement', createdAt: T0, updatedAt: T0, version: 1, createdBy: 'user:ada',
    tasks: [], returnRounds: [], legalHold: [], timeline: [], settledUpdates: {}, ...overrides,
  } as CaseState;
}

const summary = (s: CaseState) => lifecycleSteps(s).map((step) => `${step.key}:${step.state}`);

describe('the lifecycle at a glance', () => {
  it('starts at the notice, with every later step to come', () => {
    expect(summary(state())).toEqual(['notice:current', 'return:upcoming', 'review:upcoming', 'certification:upcoming', 'backups:upcoming', 'statement:upcoming']);
  });

  it('marks each done step with its day, and the review as current while the district reviews', () => {
    const s = state({
      status: 'awaiting_review',
      acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY },
      returnRounds: [{ round: 1, submittedAt: T0 + 3 * DAY, files: 1, bytes: 1, categories: [], shortfalls: [] }],
    });
    const steps = lifecycleSteps(s);
    expect(steps[0]).toMatchObject({ key: 'notice', state: 'done', at: T0 + DAY });
    // The return counts as done only once the district accepted it.
    expect(summary(s).slice(1, 3)).toEqual(['return:upcoming', 'review:current']);
  });

  it('skips return and review when the district asks for destruction only; backups destroyed with the data are done at certification', () => {
    const base = state({}, 'destroy_only');
    const cert = certification(base.input);
    const s = state({ status: 'generating_statement', acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY }, certification: { ...cert, at: T0 + 5 * DAY } }, 'destroy_only');
    expect(summary(s)).toEqual(['notice:done', 'certification:done', 'backups:done', 'statement:current']);
    expect(lifecycleSteps(s)[2]).toMatchObject({ at: T0 + 5 * DAY, note: 'destroyed with the data' });
  });

  it('shows where a cancelled case stopped', () => {
    const s = state({ status: 'cancelled', acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY }, cancellation: { reason: 'renewed', by: 'user:ada', at: T0 + 2 * DAY, fromStatus: 'awaiting_return' } });
    expect(summary(s)).toEqual(['notice:done', 'return:stopped', 'review:upcoming', 'certification:upcoming', 'backups:upcoming', 'statement:upcoming']);
  });
});
