import { subprocessorWaiverSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { waiveSubprocessorOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { pendingSubprocessors } from '../../domain/case-state';
import { isTerminal } from '../../domain/statuses';

export const waiveSubprocessor = staff({
  path: 'waive-subprocessor',
  update: 'waiveSubprocessor',
  summary:
    "Let the case finish without one subprocessor's certification, saying why (the statement shows the waiver and its reason)",
  roles: ['admin'],
  body: subprocessorWaiverSchema,
  message: subprocessorWaiverSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', reason: 'text' }),
  refill: () => 'waive-subprocessor',
  outcomes: waiveSubprocessorOutcomes,
  outcome: () => 'subprocessor-waived',
  panel: {
    place: 'subprocessors',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      const pending = pendingSubprocessors(state);
      return role === 'admin' && !isTerminal(state.status) && pending.length
        ? html`
  <form method="post" action="/cases/${caseId}/waive-subprocessor">${csrf}
    <label for="waive-subprocessor">Subprocessor</label>
    <select id="waive-subprocessor" name="subprocessorId">${pending.map((s) => html`<option value="${s.id}" ${again('waive-subprocessor', 'subprocessorId') === s.id ? html`selected` : ''}>${s.name}</option>`)}</select>${problem('waive-subprocessor', 'subprocessorId')}
    <label for="waive-reason">Why the district waives its certification (shown on the statement)</label><textarea id="waive-reason" name="reason" required>${again('waive-subprocessor', 'reason')}</textarea>${problem('waive-subprocessor', 'reason')}
    <button type="submit" class="danger">Waive this certification</button></form>`
        : undefined;
    },
  },
  cli: {
    name: 'waive-subprocessor',
    usage: '--subprocessor ID --reason R',
    help: "let the case finish without a subprocessor's certification, saying why",
    options: { subprocessor: 'string', reason: 'string' },
    body: (values) => ({ subprocessorId: cliText(values, 'subprocessor'), reason: cliText(values, 'reason') }),
  },
  send: (_state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', 0, `waiveSubprocessor-${body.subprocessorId}`),
  }),
});
