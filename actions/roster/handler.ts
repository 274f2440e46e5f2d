// The district attaches the roster of the students it shared with the vendor (issue 28): the server reads and
// keeps the file (client/roster-attach.ts); the case learns how many students it names, so the return can be
// checked student by student when it is packaged (activities/build-return-package.ts). No student's name or key
// reaches the workflow.
import { addEvent } from '../../domain/case-state-changes';
import { grouped } from '../../domain/roster-coverage';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

const FORMAT_WORDS = {
  'oneroster-1.1': 'a OneRoster 1.1 users.csv',
  'oneroster-1.2': 'a OneRoster 1.2 set',
  'student-id': 'a CSV of student_id',
} as const;

/** What the page and the API answer say once it is done, by outcome. */
export const rosterOutcomes = {
  attached: {
    text: (state) =>
      `The roster is attached: ${grouped(state.roster?.students ?? 0)} students. Each return is checked against it when it is packaged.`,
  },
} satisfies Record<string, Outcome>;

export const rosterHandler = handler({
  update: 'attachRoster',
  outcomes: rosterOutcomes,
  validate: ({ state }) => {
    refuseWhenClosed(state);
    if (state.input.disposition.option === 'destroy_only')
      refuse(
        REFUSAL.wrongState,
        'the district asked for destruction only: there is no return to check against a roster',
      );
    if (state.returnRounds.some((round) => round.decision?.decision === 'accept'))
      refuse(REFUSAL.wrongState, 'the return was accepted already: a roster attached now would check nothing');
  },
  apply: (run, req) => {
    const { state } = run;
    const t = run.now();
    state.roster = { format: req.format, students: req.students, skipped: req.skipped, by: req.actor, at: t };
    const packaged = state.status === 'awaiting_review';
    addEvent(
      state,
      t,
      'roster_attached',
      req.actor,
      `Roster attached: ${grouped(req.students)} students, from ${FORMAT_WORDS[req.format]}${req.skipped ? ` (${grouped(req.skipped)} teachers, guardians and others skipped)` : ''}${packaged ? '; the return under review was packaged before it, so the next return is the first checked against it' : ''}`,
    );
    return 'attached';
  },
});
