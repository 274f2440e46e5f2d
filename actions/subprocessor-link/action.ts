import { subprocessorLinkSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { resendSubprocessorLinkOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { pendingSubprocessors } from '../../domain/case-state';
import { isTerminal } from '../../domain/statuses';

export const resendSubprocessorLink = staff({
  path: 'subprocessor-link',
  update: 'resendSubprocessorLink',
  summary: 'Email a subprocessor a new link, to a corrected address when given; its older links stop working',
  roles: ['admin'],
  body: subprocessorLinkSchema,
  message: subprocessorLinkSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', contactEmail: 'text' }),
  refill: () => 'subprocessor-link',
  outcomes: resendSubprocessorLinkOutcomes,
  outcome: () => 'subprocessor-link-sent',
  panel: {
    place: 'subprocessors',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      const pending = pendingSubprocessors(state);
      return role === 'admin' && !isTerminal(state.status) && pending.length
        ? html`
  <form method="post" action="/cases/${caseId}/subprocessor-link">${csrf}
    <label for="relink-subprocessor">Subprocessor</label>
    <select id="relink-subprocessor" name="subprocessorId">${pending.map((s) => html`<option value="${s.id}" ${again('subprocessor-link', 'subprocessorId') === s.id ? html`selected` : ''}>${s.name}</option>`)}</select>
    <label for="relink-email">New contact email (optional: leave empty to send to the same address)</label><input type="email" id="relink-email" name="contactEmail" value="${again('subprocessor-link', 'contactEmail')}">${problem('subprocessor-link', 'contactEmail')}
    <button type="submit" class="secondary">Email a new link</button></form>`
        : undefined;
    },
  },
  cli: {
    name: 'subprocessor-link',
    usage: '--subprocessor ID [--email E]',
    help: 'email a subprocessor a new link (to a corrected address)',
    options: { subprocessor: 'string', email: 'string' },
    body: (values) => ({
      subprocessorId: cliText(values, 'subprocessor'),
      ...(typeof values.email === 'string' ? { contactEmail: values.email } : {}),
    }),
  },
  send: (state, body, by) => {
    const gen = state.subprocessors?.find((s) => s.id === body.subprocessorId)?.gen ?? 0;
    return {
      payload: { ...body, actor: by },
      updateId: updateId('subprocessor_certify', gen, `resendSubprocessorLink-${body.subprocessorId}`),
    };
  },
});
