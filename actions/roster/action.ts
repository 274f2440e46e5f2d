import { z } from 'zod';
import { actor, staff } from '../kit';
import { rosterOutcomes } from './handler';
import { html } from '../../presentation/markup';

/** What the server made of the roster file: how many students, in which format; the students are kept apart. */
export const rosterSummarySchema = z.object({
  format: z.enum(['oneroster-1.1', 'oneroster-1.2', 'student-id']),
  students: z.number().int().positive(),
  skipped: z.number().int().min(0),
});

export const ROSTER_MAX_BYTES = 64 * 1024 * 1024;

export const roster = staff({
  path: 'roster',
  update: 'attachRoster',
  summary:
    "Attach the roster of the students the district shared (a OneRoster users.csv, the set's ZIP with roles.csv, or a CSV with student_id), to check the return student by student",
  roles: ['admin'],
  upload: { maxBytes: ROSTER_MAX_BYTES, what: 'the roster' },
  message: rosterSummarySchema.extend(actor),
  fromForm: () => ({}),
  outcomes: rosterOutcomes,
  outcome: () => 'attached',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, problem }) => {
      if (role !== 'admin' || state.input.disposition.option === 'destroy_only') return undefined;
      if (state.returnRounds.some((r) => r.decision?.decision === 'accept')) return undefined;
      return html`
  <form method="post" action="/cases/${caseId}/roster" enctype="multipart/form-data">${csrf}
    <label for="roster-file">${state.roster ? `Replace the roster (now ${state.roster.students} students)` : 'Roster of the students shared with the vendor'}</label><span id="roster-hint" class="hint">OneRoster users.csv, the OneRoster set as a ZIP, or a CSV with a student_id column</span><input type="file" id="roster-file" name="file" accept=".csv,.zip,text/csv,application/zip" required aria-describedby="roster-hint">${problem('roster', 'file')}
    <button type="submit" class="secondary">Attach the roster</button></form>`;
    },
  },
  cli: {
    name: 'roster',
    usage: 'FILE | --file FILE',
    help: "attach the roster of students shared with the vendor (OneRoster users.csv, the set's ZIP, or a CSV with student_id)",
    options: { file: 'string' },
    body: () => ({}),
  },
  send: (state, body, by) => ({
    payload: { ...(body as z.infer<typeof rosterSummarySchema>), actor: by },
    updateId: `attachRoster-${(state.roster?.at ?? 0).toString(36)}-${(body as { students: number }).students}`,
  }),
});
