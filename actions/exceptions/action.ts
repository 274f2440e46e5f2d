import { exceptionsOf } from '../../domain/case-state';
import { exceptionSchema } from '../../domain/case-input';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff, textHash } from '../kit';
import { addExceptionOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { EXCEPTION_KINDS } from '../../domain/case-terms';
import { readableMoment } from '../../domain/dates';
import { isTerminal } from '../../domain/statuses';

export const addException = staff({
  path: 'exceptions',
  update: 'addException',
  summary:
    'Record data the vendor may keep, and why (the exceptions register); the certification confirms all but these, and the statement lists them',
  roles: ['admin'],
  body: exceptionSchema,
  message: exceptionSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { kind: 'text', scope: 'text', reason: 'text', endsOn: 'text' }),
  refill: () => 'exceptions',
  outcomes: addExceptionOutcomes,
  outcome: () => 'exception-added',
  panel: {
    place: 'section',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      const exceptions = exceptionsOf(state);
      return html`<h2>Exceptions: data the vendor may keep</h2>
<section>
${
  exceptions.length
    ? html`<table class="stacked"><thead><tr><th scope="col">Data</th><th scope="col">Why</th><th scope="col">Until</th><th scope="col">Recorded</th></tr></thead><tbody>
${exceptions.map((e) => html`<tr><td data-label="Data">${e.scope}</td><td data-label="Why">${EXCEPTION_KINDS[e.kind]}: ${e.reason}</td><td data-label="Until">${e.endsOn ?? 'no end date'}</td><td data-label="Recorded">${e.addedBy}, ${readableMoment(e.addedAt)}</td></tr>`)}
</tbody></table>`
    : html`<p class="muted">None: the vendor destroys everything.</p>`
}
${
  role === 'admin' && !isTerminal(state.status) && !state.certification
    ? html`
  <form method="post" action="/cases/${caseId}/exceptions">${csrf}
    <label for="exception-kind">Kind</label>
    <select id="exception-kind" name="kind">${Object.entries(EXCEPTION_KINDS).map(([key, label]) => html`<option value="${key}" ${again('exceptions', 'kind') === key ? html`selected` : ''}>${label}</option>`)}</select>
    <label for="exception-scope">What data</label><input type="text" id="exception-scope" name="scope" value="${again('exceptions', 'scope')}" required>${problem('exceptions', 'scope')}
    <label for="exception-reason">Why</label><input type="text" id="exception-reason" name="reason" value="${again('exceptions', 'reason')}" required>${problem('exceptions', 'reason')}
    <label for="exception-ends">Until (optional; the administrators are reminded that day)</label><input type="date" id="exception-ends" name="endsOn" value="${again('exceptions', 'endsOn')}">${problem('exceptions', 'endsOn')}
    <button type="submit" class="secondary">Record the exception</button></form>`
    : ''
}
</section>`;
    },
  },
  cli: {
    name: 'exception',
    usage: '--kind K --scope S --reason R [--ends-on DATE]',
    help: 'record data the vendor may keep, and why',
    options: { kind: 'string', scope: 'string', reason: 'string', 'ends-on': 'string' },
    body: (values) => ({
      kind: cliText(values, 'kind'),
      scope: cliText(values, 'scope'),
      reason: cliText(values, 'reason'),
      ...(typeof values['ends-on'] === 'string' ? { endsOn: values['ends-on'] } : {}),
    }),
  },
  // One id per exception as written: a repeat of the same request answers once; two different ones both count.
  send: (state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', exceptionsOf(state).length + 1, `addException-${textHash(JSON.stringify(body))}`),
  }),
});
