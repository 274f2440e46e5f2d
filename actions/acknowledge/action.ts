import { acknowledgeBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { link, vendor } from '../kit';
import { acknowledgeOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { categoriesList } from '../../presentation/vendor-task';

export const acknowledge = vendor({
  path: 'acknowledge',
  task: 'acknowledge',
  update: 'acknowledgeNotice',
  summary: 'Acknowledge the notice',
  body: acknowledgeBodySchema,
  message: acknowledgeBodySchema.extend(link),
  fromForm: (form) => flatFormBody(form, { contactName: 'text', contactEmail: 'text', contactTitle: 'text' }),
  outcomes: acknowledgeOutcomes,
  outcome: () => 'acknowledged',
  page: ({ base, view, value, problem }) => html`
<section>
<p>${view.district} has ended its contract with <bdi>${view.vendor.name}</bdi> and asks you to ${view.disposition.option === 'return_then_destroy' ? 'return all of its student data, then destroy every known copy' : 'destroy every known copy of its student data'}, and to remove your tracking mechanisms. Under its policy 7400.1 the data was never your property (III.B).</p>
${categoriesList(view)}
${view.trackingMechanisms.length ? html`<p>Tracking mechanisms to remove: ${view.trackingMechanisms.map((m, i) => html`${i ? ', ' : ''}<bdi>${m.name}</bdi> (${m.kind})`)}.</p>` : ''}
</section>
<form method="post" action="${base}/acknowledge" class="card">
  <p>Please acknowledge the notice and name who handles it for your organisation.</p>
  <label for="contactName">Your name</label><input type="text" id="contactName" name="contactName" value="${value('contactName')}" required>${problem('contactName')}
  <label for="contactEmail">Your email</label><input type="email" id="contactEmail" name="contactEmail" value="${value('contactEmail')}" required>${problem('contactEmail')}
  <label for="contactTitle">Your title</label><input type="text" id="contactTitle" name="contactTitle" value="${value('contactTitle')}">
  <p><button type="submit">Acknowledge the notice</button></p>
</form>`,
  payload: (body) => body,
});
