// The lifecycle stepper's steps, from the case state alone.
import { describe, expect, it } from 'vitest';
import type { CaseState } from '../domain/case-state';
import { lifecycleSteps } from '../domain/lifecycle-steps';
import { caseInput, certification } from './support/fixtures';

const T0 = Date.parse('2026-11-01T10:00:00Z');
const DAY = 86_400_000;

function state(
  overrides: Partial<CaseState> = {},
  option: 'return_then_destroy' | 'destroy_only' = 'return_then_destroy',
): CaseState {
  const input = caseInput({ disposition: { option } });
  return {
    caseId: 'case00000001',
    input,
    status: 'awaiting_acknowledgement',
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    createdBy: 'user:ada',
    tasks: [],
    returnRounds: [],
    legalHold: [],
    timeline: [],
    settledUpdates: {},
    ...overrides,
  };
}

const summary = (s: CaseState) => lifecycleSteps(s).map((step) => `${step.key}:${step.state}`);

describe('the lifecycle at a glance', () => {
  it('starts at the notice, with every later step to come', () => {
    expect(summary(state())).toEqual([
      'notice:current',
      'return:upcoming',
      'review:upcoming',
      'certification:upcoming',
      'backups:upcoming',
      'statement:upcoming',
    ]);
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
    const s = state(
      {
        status: 'generating_statement',
        acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY },
        certification: { ...cert, at: T0 + 5 * DAY },
      },
      'destroy_only',
    );
    expect(summary(s)).toEqual(['notice:done', 'certification:done', 'backups:done', 'statement:current']);
    expect(lifecycleSteps(s)[2]).toMatchObject({ at: T0 + 5 * DAY, note: 'destroyed with the data' });
  });

  it('shows where a cancelled case stopped', () => {
    const s = state({
      status: 'cancelled',
      acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY },
      cancellation: { reason: 'renewed', by: 'user:ada', at: T0 + 2 * DAY, fromStatus: 'awaiting_return' },
    });
    expect(summary(s)).toEqual([
      'notice:done',
      'return:stopped',
      'review:upcoming',
      'certification:upcoming',
      'backups:upcoming',
      'statement:upcoming',
    ]);
  });

  it('adds the subprocessors when the vendor named any, and the countersignature when the case asks for it', () => {
    const base = state({}, 'destroy_only');
    const cert = { ...certification(base.input), at: T0 + 5 * DAY };
    const sub = {
      name: 'Cloud Hosting Co.',
      contactEmail: 'p@c.example',
      gen: 1,
      openedAt: T0 + 5 * DAY,
      dueAt: T0 + 35 * DAY,
      noticeSent: true,
      reminders: 0,
      overdue: false,
    };
    const waiting = state({
      status: 'awaiting_subprocessors',
      input: { ...base.input, legalSignoff: true },
      acknowledgement: { contactName: 'Dana', contactEmail: 'd@v.example', at: T0 + DAY },
      certification: cert,
      subprocessors: [
        {
          ...sub,
          id: 's1',
          certification: { ...certification(base.input).destruction, attestation: true, at: T0 + 6 * DAY },
        },
        { ...sub, id: 's2' },
      ],
    });
    expect(summary(waiting)).toEqual([
      'notice:done',
      'certification:done',
      'backups:done',
      'subprocessors:current',
      'signoff:upcoming',
      'statement:upcoming',
    ]);
    const signing = {
      ...waiting,
      status: 'awaiting_signoff' as const,
      subprocessors: [
        waiting.subprocessors![0]!,
        { ...sub, id: 's2', waiver: { reason: 'Dissolved', by: 'user:ada', at: T0 + 8 * DAY } },
      ],
    };
    expect(summary(signing)).toEqual([
      'notice:done',
      'certification:done',
      'backups:done',
      'subprocessors:done',
      'signoff:current',
      'statement:upcoming',
    ]);
    expect(lifecycleSteps(signing).find((step) => step.key === 'subprocessors')).toMatchObject({
      at: T0 + 8 * DAY,
      note: '1 certified, 1 waived',
    });
    const signed = {
      ...signing,
      status: 'generating_statement' as const,
      signoff: { by: 'user:lee', at: T0 + 9 * DAY },
    };
    expect(lifecycleSteps(signed).find((step) => step.key === 'signoff')).toMatchObject({
      state: 'done',
      at: T0 + 9 * DAY,
      note: 'lee',
    });
    // A case without either has neither step.
    expect(summary(state({}, 'destroy_only'))).toEqual([
      'notice:current',
      'certification:upcoming',
      'backups:upcoming',
      'statement:upcoming',
    ]);
  });
});
