import { cancelBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { cancelOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { isTerminal } from '../../domain/statuses';

export const cancel = staff({
  path: 'cancel',
  update: 'cancelCase',
  summary: 'Cancel the case',
  roles: ['admin'],
  body: cancelBodySchema,
  message: cancelBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { reason: 'text' }),
  refill: () => 'cancel',
  outcomes: cancelOutcomes,
  outcome: () => 'cancelled',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, again, problem }) =>
      role === 'admin' && !isTerminal(state.status)
        ? html`
  <form method="post" action="/cases/${caseId}/cancel">${csrf}
    <label for="cancel-reason">Reason for cancelling</label><input type="text" id="cancel-reason" name="reason" value="${again('cancel', 'reason')}" required>${problem('cancel', 'reason')}
    <button type="submit" class="danger">Cancel the case</button></form>`
        : undefined,
  },
  cli: {
    name: 'cancel',
    usage: '--reason R',
    help: 'cancel the case',
    options: { reason: 'string' },
    body: (values) => ({ reason: cliText(values, 'reason') }),
  },
  send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'cancelCase') }),
});
