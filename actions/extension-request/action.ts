import { z } from 'zod';
import { reasonSchema } from '../../domain/api';
import { isoOrNull, readableMoment } from '../../domain/dates';
import { flatFormBody, formText } from '../../presentation/forms';
import { requestIdSchema } from '../../domain/ids';
import { html } from '../../presentation/markup';
import { linkTaskTitle } from '../../domain/statuses';
import { momentSchema } from '../../domain/time-schemas';
import { actor, ActionUsageError, cliText, link, staff, vendor } from '../kit';
import { decisionOutcomes, decisionUpdateId, requestOutcomes, requestsOf, requestUpdateSuffix } from './handler';

const requestBodySchema = z.object({ until: momentSchema, reason: reasonSchema });
const decisionBodySchema = z.object({ decision: z.enum(['grant', 'refuse']), reason: reasonSchema });

/** Through the link of its open task, the vendor (or a subprocessor) asks for a later due date. */
export const requestExtension = vendor({
  path: 'extension-requests',
  task: 'any',
  update: 'requestExtension',
  summary:
    "Ask the district to move the open task's due date (one open request per task, asked after the due date too); the district decides",
  body: requestBodySchema,
  message: requestBodySchema.extend(link),
  fromForm: (form) => flatFormBody(form, { until: 'text', reason: 'text' }),
  outcomes: requestOutcomes,
  outcome: () => 'extension-requested',
  payload: (body) => body,
  updateSuffix: (payload) => requestUpdateSuffix(payload as z.infer<typeof requestBodySchema>),
  status: 202,
  form: ({ base, state, link: { task, sub }, again, problem }) => {
    const pending = requestsOf(state).find((r) => r.status === 'pending' && r.task === task && r.sub === sub);
    if (pending) {
      return html`<h2>More time</h2><section><p>Your request of ${readableMoment(pending.requestedAt)} to move the due date to ${pending.until} is waiting for the district's decision; you will be told by email.</p></section>`;
    }
    return html`<h2>More time</h2>
<form method="post" action="${base}/extension-requests" class="card">
  <p>If you cannot finish by the due date, ask the district for a later one. Until it decides, the due date stands.</p>
  <label for="extension-until">The date you ask for</label><input type="date" id="extension-until" name="until" value="${again('until')}" required>${problem('until')}
  <label for="extension-reason">Why you need it</label><textarea id="extension-reason" name="reason" required>${again('reason')}</textarea>${problem('reason')}
  <p><button type="submit" class="secondary">Ask for more time</button></p>
</form>`;
  },
});

/** The district grants a request (the due time moves as `extend` moves it) or refuses it. */
export const decideExtension = staff({
  path: 'extension-requests/:requestId',
  example: 'extension-request-decision.json',
  update: 'decideExtension',
  summary:
    "Grant or refuse the vendor's request for more time: a grant moves the due time as extend does; the vendor is told either way",
  roles: ['admin'],
  params: { requestId: requestIdSchema },
  body: decisionBodySchema,
  message: decisionBodySchema.extend({ requestId: requestIdSchema, ...actor }),
  fromForm: (form) => flatFormBody(form, { decision: 'text', reason: 'text' }),
  refill: (form) => `extension-request-${formText(form, 'requestId')}`,
  outcomes: decisionOutcomes,
  outcome: (body) => (body.decision === 'grant' ? 'extension-granted' : 'extension-refused'),
  cli: {
    name: 'extension-request',
    usage: 'REQUEST --grant | --refuse --reason R',
    help: "grant or refuse the vendor's request for more time",
    options: { grant: 'boolean', refuse: 'boolean', reason: 'string' },
    params: ['requestId'],
    body: (values) => {
      if (values.grant === values.refuse)
        throw new ActionUsageError('give either --grant or --refuse, with --reason R');
      return { decision: values.grant ? 'grant' : 'refuse', reason: cliText(values, 'reason') };
    },
  },
  send: (_state, body, by, params) => ({
    payload: { ...body, requestId: params.requestId, actor: by },
    updateId: decisionUpdateId(params.requestId!, body.decision),
  }),
  details: (state) => ({
    extensionRequests: requestsOf(state).map((r) => ({
      id: r.id,
      task: r.task,
      ...(r.sub ? { subprocessorId: r.sub } : {}),
      until: r.until,
      reason: r.reason,
      requestedAt: isoOrNull(r.requestedAt),
      status: r.status,
      decidedBy: r.decidedBy ?? null,
      decidedAt: isoOrNull(r.decidedAt),
      decisionReason: r.decisionReason ?? null,
    })),
  }),
  panel: {
    place: 'section',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      const requests = requestsOf(state);
      if (!requests.length) return undefined;
      const decide = (id: string) => html`
  <form method="post" action="/cases/${caseId}/extension-requests/${id}">${csrf}<input type="hidden" name="requestId" value="${id}">
    <fieldset><legend>Your decision on ${id}</legend>
    <label class="check"><input type="radio" name="decision" value="grant" ${again(`extension-request-${id}`, 'decision') !== 'refuse' ? html`checked` : ''}> Grant: move the due date</label>
    <label class="check"><input type="radio" name="decision" value="refuse" ${again(`extension-request-${id}`, 'decision') === 'refuse' ? html`checked` : ''}> Refuse: the due date stands</label></fieldset>
    <label for="decision-reason-${id}">Reason (sent to the vendor)</label><textarea id="decision-reason-${id}" name="reason" required>${again(`extension-request-${id}`, 'reason')}</textarea>${problem(`extension-request-${id}`, 'reason')}
    <button type="submit" class="secondary">Send the decision</button></form>`;
      return html`<h2>Requests for more time</h2>
<section>
<table class="stacked"><thead><tr><th scope="col">Request</th><th scope="col">For</th><th scope="col">Until</th><th scope="col">Why</th><th scope="col">Decision</th></tr></thead><tbody>
${requests.map(
  (
    r,
  ) => html`<tr><td data-label="Request">${r.id}, ${readableMoment(r.requestedAt)}</td><td data-label="For">${r.sub ? html`<bdi>${state.subprocessors?.find((s) => s.id === r.sub)?.name ?? r.sub}</bdi>` : linkTaskTitle(r.task)}</td>
<td data-label="Until">${r.until}</td><td data-label="Why">${r.reason}</td>
<td data-label="Decision">${r.status === 'pending' ? 'waiting for you' : html`${r.status} by ${r.decidedBy}, ${readableMoment(r.decidedAt)}: ${r.decisionReason}`}</td></tr>`,
)}
</tbody></table>
${role === 'admin' ? requests.filter((r) => r.status === 'pending').map((r) => decide(r.id)) : ''}
</section>`;
    },
  },
});
