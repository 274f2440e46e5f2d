// The webhook settings page for administrators: the endpoints, each with its recent deliveries, and forms to
// add, rotate, remove and resend. Plain forms: it all works without JavaScript.
import { CASE_STATUSES, STATUS_LABELS } from '../../domain/statuses';
import type { deliveryView, webhookView } from '../../client/webhook-views';
import { fieldError, html, layout, when, type Markup, type PageOptions } from './html';

type User = NonNullable<PageOptions['user']>;
type Hook = ReturnType<typeof webhookView> & { deliveries: ReturnType<typeof deliveryView>[] };

const csrf = (user: User): Markup => html`<input type="hidden" name="_csrf" value="${user.csrfToken}">`;

export function webhooksPage(
  user: User,
  hooks: Hook[],
  state: {
    message?: { text: string; kind: 'ok' | 'warn' };
    secret?: { id: string; secret: string };
    values?: Record<string, string | string[]>;
    errors?: Record<string, string>;
  } = {},
): string {
  const errors = state.errors ?? {};
  const chosen = new Set([state.values?.events ?? []].flat());
  return layout(
    { title: 'Webhooks', user },
    html`
<h1>Webhooks</h1>
<p>Other district systems can follow cases: each case transition is sent to the endpoints below as signed JSON (see the README, "Webhooks").</p>
${state.message ? html`<div class="notice ${state.message.kind}" role="${state.message.kind === 'warn' ? 'alert' : 'status'}">${state.message.text}</div>` : ''}
${
  state.secret
    ? html`<div class="notice ok" role="status"><p><strong>The signing secret of ${state.secret.id}, shown this once.</strong> Keep it where the receiver can read it:</p>
<p><code class="hash">${state.secret.secret}</code></p></div>`
    : ''
}
<h2>Add an endpoint</h2>
<form method="post" action="/settings/webhooks" class="card">
  ${csrf(user)}
  <label for="url">Address</label>
  <p class="muted" id="url-hint">https://…, or http:// to localhost, 127.0.0.1 or [::1]</p>
  <input type="text" id="url" name="url" value="${typeof state.values?.url === 'string' ? state.values.url : ''}" required aria-describedby="url-hint${errors.url ? ' url-error' : ''}" ${errors.url ? html`aria-invalid="true"` : ''}>
  ${fieldError(errors, 'url')}
  <fieldset><legend>Send when a case becomes</legend>
    <label class="check"><input type="checkbox" name="events" value="*" ${chosen.has('*') ? html`checked` : ''}> any status (every transition)</label>
    ${CASE_STATUSES.map((s) => html`<label class="check"><input type="checkbox" name="events" value="${s}" ${chosen.has(s) ? html`checked` : ''}> ${STATUS_LABELS[s]}</label>`)}
    ${fieldError(errors, 'events')}
  </fieldset>
  <p><button type="submit">Add the endpoint</button></p>
</form>
<h2>Endpoints</h2>
${
  hooks.length === 0
    ? html`<p class="muted">No endpoint yet.</p>`
    : hooks.map(
        (hook) => html`
<section aria-labelledby="hook-${hook.id}">
  <h3 id="hook-${hook.id}"><bdi>${hook.url}</bdi></h3>
  <dl class="facts">
    <dt>Id</dt><dd><code>${hook.id}</code></dd>
    <dt>Sends</dt><dd>${hook.events.map((e) => (e === '*' ? 'every transition' : (STATUS_LABELS[e as keyof typeof STATUS_LABELS] ?? e))).join(', ')}</dd>
    <dt>State</dt><dd>${hook.disabledAt ? html`<span class="overdue">disabled</span> ${when(Date.parse(hook.disabledAt))}: ${hook.disabledReason ?? ''}` : 'active'}</dd>
    <dt>Added</dt><dd>${when(Date.parse(hook.createdAt))} by ${hook.createdBy}</dd>
  </dl>
  <div class="actions">
    <form method="post" action="/settings/webhooks/${hook.id}/secret">${csrf(user)}<button type="submit" class="secondary">New signing secret</button></form>
    <form method="post" action="/settings/webhooks/${hook.id}/remove">${csrf(user)}<button type="submit" class="danger">Remove</button></form>
  </div>
  ${
    hook.deliveries.length === 0
      ? html`<p class="muted">Nothing delivered yet.</p>`
      : html`
  <table class="stacked">
    <caption class="muted">Latest deliveries</caption>
    <thead><tr><th>When</th><th>Case</th><th>Status</th><th>Attempts</th><th>Last answer</th><th><span class="visually-hidden">Resend</span></th></tr></thead>
    <tbody>${hook.deliveries.map(
      (d) => html`<tr>
      <td data-label="When">${when(Date.parse(d.createdAt))}</td>
      <td data-label="Case"><a href="/cases/${d.caseId}">${d.caseId}</a></td>
      <td data-label="Status">${d.status}</td>
      <td data-label="Attempts">${d.attempts}</td>
      <td data-label="Last answer">${d.lastStatus ?? ''} ${d.lastError ?? ''}</td>
      <td data-label="Resend">${hook.disabledAt ? '' : html`<form method="post" action="/settings/webhooks/${hook.id}/deliveries/${d.id}/resend">${csrf(user)}<button type="submit" class="link">Resend</button></form>`}</td></tr>`,
    )}</tbody>
  </table>`
  }
</section>`,
      )
}`,
  );
}
