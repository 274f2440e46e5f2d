// The vendor's pages, reached through an emailed link; every form works without JavaScript.
import { stepper } from './stepper';
import { SANITIZATION_METHODS } from '../../../domain/certification';
import type { VendorTaskView } from '../../vendor-task';
import { fieldError, html, layout, when, type Markup } from './html';

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024 ** 3).toFixed(2)} GiB`);

function header(view: VendorTaskView): Markup {
  return html`
<h1>${view.task.title}</h1>
<section><dl class="facts">
  <dt>From</dt><dd>${view.district}</dd>
  <dt>To</dt><dd>${view.vendor.name}</dd>
  <dt>Contract</dt><dd>${view.contract.id}${view.contract.title ? ` — ${view.contract.title}` : ''} (${view.service.name}), terminated ${view.contract.terminationDate}</dd>
  <dt>Due</dt><dd>${when(Date.parse(view.task.dueAt))} ${view.task.overdue ? html`<span class="overdue">overdue</span>` : ''}</dd>
</dl></section>`;
}

function categoriesList(view: VendorTaskView): Markup {
  return html`<ul>${view.categories.map((c) => html`<li><strong>${c.label}</strong>${c.expectedRecords !== undefined ? ` (about ${c.expectedRecords} records expected)` : ''}${c.explains ? html`: <span class="muted">${c.explains}</span>` : ''}</li>`)}</ul>`;
}

function errorsBlock(message?: string): Markup {
  return message ? html`<div class="notice warn" role="alert">${message}</div>` : html``;
}

export function vendorTaskPage(token: string, view: VendorTaskView, state: { values?: Record<string, string>; errors?: Record<string, string>; message?: string; info?: string } = {}): string {
  const v = (name: string, fallback = ''): string => state.values?.[name] ?? fallback;
  const errors = state.errors ?? {};
  const base = `/v/${token}`;
  let body: Markup;
  switch (view.task.kind) {
    case 'acknowledge':
      body = html`
<section>
<p>${view.district} has ended its contract with <bdi>${view.vendor.name}</bdi> and asks you to ${view.disposition.option === 'return_then_destroy' ? 'return all of its student data, then destroy every known copy' : 'destroy every known copy of its student data'}, and to remove your tracking mechanisms. Under its policy 7400.1 the data was never your property (III.B).</p>
${categoriesList(view)}
${view.trackingMechanisms.length ? html`<p>Tracking mechanisms to remove: ${view.trackingMechanisms.map((m, i) => html`${i ? ', ' : ''}<bdi>${m.name}</bdi> (${m.kind})`)}.</p>` : ''}
</section>
<form method="post" action="${base}/acknowledge" class="card">
  <p>Please acknowledge the notice and name who handles it for your organisation.</p>
  <label for="contactName">Your name</label><input type="text" id="contactName" name="contactName" value="${v('contactName')}" required>${fieldError(errors, 'contactName')}
  <label for="contactEmail">Your email</label><input type="email" id="contactEmail" name="contactEmail" value="${v('contactEmail')}" required>${fieldError(errors, 'contactEmail')}
  <label for="contactTitle">Your title</label><input type="text" id="contactTitle" name="contactTitle" value="${v('contactTitle')}">
  <p><button type="submit">Acknowledge the notice</button></p>
</form>`;
      break;
    case 'return':
      body = html`
${view.rejection ? html`<div class="notice warn" role="alert"><strong>The district did not accept the last return:</strong> ${view.rejection.reason}</div>` : ''}
<section><p>Upload the district's data, each file under its category. CSV and JSON Lines files are counted record by record. Do not destroy anything yet: destruction comes after the district accepts the return.</p>${categoriesList(view)}</section>
<h2>Staged files</h2>
${view.stagedFiles!.length === 0 ? html`<p class="muted">Nothing staged yet.</p>` : html`
<table><thead><tr><th>File</th><th>Category</th><th>Size</th><th>Records</th><th>SHA-256</th><th></th></tr></thead><tbody>
${view.stagedFiles!.map((f) => html`<tr><td>${f.name}</td><td>${f.category}</td><td>${bytes(f.bytes)}</td><td>${f.records ?? '—'}</td><td class="hash">${f.sha256}</td>
<td><form method="post" action="${base}/files/${f.fileId}/delete"><button type="submit" class="link" aria-label="Remove ${f.name}">Remove</button></form></td></tr>`)}
</tbody></table>`}
<form method="post" action="${base}/files" enctype="multipart/form-data" class="card" id="upload-form" data-api="/api/vendor/${token}/files">
  <label for="category">Category</label>
  <select id="category" name="category">${view.categories.map((c) => html`<option value="${c.key}">${c.label}</option>`)}</select>
  <label for="file">File</label><input type="file" id="file" name="file" required>
  <progress id="upload-progress" value="0" max="100" hidden></progress><p id="upload-status" role="status" class="muted"></p>
  <p><button type="submit" class="secondary">Upload</button></p>
</form>
<form method="post" action="${base}/submit-return" class="card">
  <label for="note">Note to the district (optional)</label><textarea id="note" name="note">${v('note')}</textarea>
  <p><button type="submit" ${view.stagedFiles!.length === 0 ? html`disabled` : ''}>Submit the return (${view.stagedFiles!.length} file(s))</button></p>
</form>`;
      break;
    case 'certify':
      body = certifyForm(base, view, v, errors);
      break;
    case 'confirm_backup_rolloff':
      body = html`
<form method="post" action="${base}/backup-rolloff" class="card">
  <p>You certified that backups holding the district's data would roll off on ${view.rollOffDate}. Please confirm that they have.</p>
  <label for="confirmedOn">Date the backups rolled off</label><input type="date" id="confirmedOn" name="confirmedOn" value="${v('confirmedOn')}" required>${fieldError(errors, 'confirmedOn')}
  <label class="check"><input type="checkbox" name="attestation" value="true" required> I confirm that every backup holding district data has rolled off and is destroyed.</label>${fieldError(errors, 'attestation')}
  <p><button type="submit">Confirm</button></p>
</form>`;
      break;
  }
  return layout({ title: view.task.title, scripts: view.task.kind === 'return' ? ['/static/upload.js'] : [] }, html`
${header(view)}
${stepper(view.lifecycle)}
${state.info ? html`<div class="notice ok" role="status">${state.info}</div>` : ''}
${errorsBlock(state.message)}
${body}`);
}

function certifyForm(base: string, view: VendorTaskView, v: (name: string, fallback?: string) => string, errors: Record<string, string>): Markup {
  const text = (name: string, label: string, type = 'text', required = true): Markup => html`
  <label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${v(name)}" ${required ? html`required` : ''}>${fieldError(errors, name)}`;
  return html`
<form method="post" action="${base}/certify">
<fieldset><legend>Who certifies</legend>
  ${text('destruction.signatoryName', 'Name')}
  ${text('destruction.signatoryTitle', 'Title')}
  ${text('destruction.signatoryEmail', 'Email', 'email')}
</fieldset>
<fieldset><legend>Destruction of all known copies (7400.1 III.C)</legend>
  ${view.certifyNotBefore ? html`<p class="muted">Destruction may not be dated before ${view.certifyNotBefore}.</p>` : ''}
  ${text('destruction.completedOn', 'Destruction completed on', 'date')}
  <p><strong>Method (NIST SP 800-88)</strong></p>
  ${Object.entries(SANITIZATION_METHODS).map(([key, line]) => html`<label class="check"><input type="radio" name="destruction.method" value="${key}" ${v('destruction.method') === key ? html`checked` : ''} required> ${line}</label>`)}
  ${fieldError(errors, 'destruction.method')}
  <label for="destruction.technique">Technique used</label><textarea id="destruction.technique" name="destruction.technique" required>${v('destruction.technique')}</textarea>${fieldError(errors, 'destruction.technique')}
  <label for="destruction.verification">How destruction was verified</label><textarea id="destruction.verification" name="destruction.verification" required>${v('destruction.verification')}</textarea>${fieldError(errors, 'destruction.verification')}
  <p><strong>Backups</strong></p>
  <label class="check"><input type="radio" name="destruction.backups.destroyed" value="true" ${v('destruction.backups.destroyed', 'true') === 'true' ? html`checked` : ''}> Backups holding the data are destroyed</label>
  <label class="check"><input type="radio" name="destruction.backups.destroyed" value="false" ${v('destruction.backups.destroyed') === 'false' ? html`checked` : ''}> Backups roll off later, on:</label>
  <input type="date" name="destruction.backups.rollOffDate" aria-label="Date backups roll off" value="${v('destruction.backups.rollOffDate')}">${fieldError(errors, 'destruction.backups.rollOffDate')}
  <p><strong>Subprocessors that held the data</strong> (leave empty if none)</p>
  <table><thead><tr><th>Name</th><th>Destroyed on</th></tr></thead><tbody>
  ${[0, 1, 2, 3].map((i) => html`<tr><td><input type="text" name="destruction.subprocessors.${i}.name" aria-label="Subprocessor ${i + 1}" value="${v(`destruction.subprocessors.${i}.name`)}"></td>
    <td><input type="date" name="destruction.subprocessors.${i}.destroyedOn" aria-label="Subprocessor ${i + 1} destroyed on" value="${v(`destruction.subprocessors.${i}.destroyedOn`)}"></td></tr>`)}
  </tbody></table>
  <label class="check"><input type="checkbox" name="destruction.accountsClosed" value="true" required> The accounts of the district's users are closed (7400.1 I.B).</label>${fieldError(errors, 'destruction.accountsClosed')}
  ${view.exceptions.length ? html`<div class="notice"><p><strong>Exceptions the district allows</strong>: you may keep only this data, for these reasons; destroy the rest.</p>
  <ul>${view.exceptions.map((e) => html`<li>${e.scope}: ${e.kindLabel}. ${e.reason}${e.endsOn ? ` Until ${e.endsOn}.` : ''}</li>`)}</ul></div>` : ''}
  <label class="check"><input type="checkbox" name="destruction.attestation" value="true" required> I state that all known copies of the district's information have been destroyed (7400.1 III.C)${view.exceptions.length ? ', except the data listed as exceptions above' : ''}.</label>${fieldError(errors, 'destruction.attestation')}
</fieldset>
<fieldset><legend>Tracking mechanisms (7400.1 IV.A, IV.C)</legend>
  ${view.trackingMechanisms.length ? html`
  <table><thead><tr><th>Mechanism</th><th>Kind</th><th>Removed on</th></tr></thead><tbody>
  ${view.trackingMechanisms.map((m, i) => html`<tr><td>${m.name}<input type="hidden" name="tracking.mechanisms.${i}.name" value="${m.name}"><input type="hidden" name="tracking.mechanisms.${i}.kind" value="${m.kind}"></td><td>${m.kind}</td>
    <td><input type="date" name="tracking.mechanisms.${i}.removedOn" aria-label="${m.name} removed on" value="${v(`tracking.mechanisms.${i}.removedOn`)}" required></td></tr>`)}
  </tbody></table>${fieldError(errors, 'tracking.mechanisms')}` : html`
  <label class="check"><input type="checkbox" name="tracking.noneInUse" value="true" required> The service used no tracking mechanism (cookie, SDK, pixel, local storage, single sign-on app) for the district.</label>`}
  <label class="check"><input type="checkbox" name="tracking.collectedDataDestroyed" value="true" required> Information collected by tracking mechanisms is destroyed (IV.C).</label>${fieldError(errors, 'tracking.collectedDataDestroyed')}
  <label class="check"><input type="checkbox" name="tracking.attestation" value="true" required> I state that each tracking mechanism is removed or terminated (IV.A).</label>${fieldError(errors, 'tracking.attestation')}
</fieldset>
<p><button type="submit">Certify</button></p>
</form>`;
}

export function vendorDonePage(title: string, message: string): string {
  return layout({ title }, html`<h1>${title}</h1><div class="notice ok" role="status">${message}</div><p>You can close this page.</p>`);
}

export function vendorRefusedPage(message: string): string {
  return layout({ title: 'This link cannot be used' }, html`<h1>This link cannot be used</h1><div class="notice warn" role="alert">${message}</div>`);
}
