import { enforcementBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { markNotCooperatingOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { enforcementRefusal } from '../../domain/enforcement';

export const markNotCooperating = staff({
  path: 'not-cooperating',
  update: 'markNotCooperating',
  summary: 'Mark the vendor as not cooperating (its open task overdue and escalated), with a note',
  roles: ['admin'],
  body: enforcementBodySchema,
  message: enforcementBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { note: 'text' }),
  refill: () => 'not-cooperating',
  outcomes: markNotCooperatingOutcomes,
  outcome: () => 'not-cooperating',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, again, problem }) =>
      role === 'admin' && !enforcementRefusal(state, 'not_cooperating')
        ? html`
  <form method="post" action="/cases/${caseId}/not-cooperating">${csrf}
    <label for="not-cooperating-note">The vendor has not answered: what was tried, and what it did or did not do</label><textarea id="not-cooperating-note" name="note" required>${again('not-cooperating', 'note')}</textarea>${problem('not-cooperating', 'note')}
    <button type="submit" class="danger">Mark the vendor as not cooperating</button></form>`
        : undefined,
  },
  cli: {
    name: 'not-cooperating',
    usage: '--note N',
    help: 'mark the vendor as not cooperating (an overdue, escalated task)',
    options: { note: 'string' },
    body: (values) => ({ note: cliText(values, 'note') }),
  },
  send: (_state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', 0, 'markNotCooperating'),
  }),
});
