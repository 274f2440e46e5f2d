// The vendor's pages, reached through an emailed link; every form works without JavaScript.
import { stepper } from './stepper';
import { SANITIZATION_METHODS, SANITIZATION_PLACES } from '../../domain/certification';
import type { VendorTaskView } from '../../client/vendor-task';
import { fieldError, html, layout, when, type Markup } from './html';

const bytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

function header(view: VendorTaskView): Markup {
  return html`
<h1>${view.task.title}</h1>
<section><dl class="facts">
  <dt>From</dt><dd>${view.district}</dd>
  <dt>To</dt><dd>${view.subprocessor ? html`<bdi>${view.subprocessor.name}</bdi>, subprocessor of <bdi>${view.vendor.name}</bdi>` : html`<bdi>${view.vendor.name}</bdi>`}</dd>
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

export function vendorTaskPage(
  token: string,
  view: VendorTaskView,
  state: {
    values?: Record<string, string>;
    errors?: Record<string, string>;
    message?: string;
    info?: string;
    askCode?: boolean;
    extra?: Markup[];
  } = {},
): string {
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
${
  view.stagedFiles!.length === 0
    ? html`<p class="muted">Nothing staged yet.</p>`
    : html`
<table><thead><tr><th>File</th><th>Category</th><th>Size</th><th>Records</th><th>SHA-256</th><th></th></tr></thead><tbody>
${view.stagedFiles!.map(
  (
    f,
  ) => html`<tr><td>${f.name}</td><td>${f.category}</td><td>${bytes(f.bytes)}</td><td>${f.records ?? '—'}</td><td class="hash">${f.sha256}</td>
<td><form method="post" action="${base}/files/${f.fileId}/delete"><button type="submit" class="link" aria-label="Remove ${f.name}">Remove</button></form></td></tr>`,
)}
</tbody></table>`
}
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
      body = certifyForm(base, view, v, errors, signatoryCode(errors, state.askCode));
      break;
    case 'subprocessor_certify':
      body = subprocessorCertifyForm(base, view, v, errors, signatoryCode(errors, state.askCode));
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
  return layout(
    { title: view.task.title, scripts: view.task.kind === 'return' ? ['/static/upload.js'] : [] },
    html`
${header(view)}
${stepper(view.lifecycle)}
${state.info ? html`<div class="notice ok" role="status">${state.info}</div>` : ''}
${errorsBlock(state.message)}
${body}
${state.extra ?? ''}`,
  );
}

/** The destruction fields a vendor's and a subprocessor's certification share, named under `prefix`. */
function destructionFields(
  prefix: string,
  view: VendorTaskView,
  v: (name: string, fallback?: string) => string,
  errors: Record<string, string>,
): Markup {
  const text = (name: string, label: string, type = 'text'): Markup => html`
  <label for="${prefix}${name}">${label}</label><input type="${type}" id="${prefix}${name}" name="${prefix}${name}" value="${v(`${prefix}${name}`)}" required>${fieldError(errors, `${prefix}${name}`)}`;
  const area = (name: string, label: string): Markup => html`
  <label for="${prefix}${name}">${label}</label><textarea id="${prefix}${name}" name="${prefix}${name}" required>${v(`${prefix}${name}`)}</textarea>${fieldError(errors, `${prefix}${name}`)}`;
  return html`
<fieldset><legend>Who certifies</legend>
  ${text('signatoryName', 'Name')}
  ${text('signatoryTitle', 'Title')}
  ${text('signatoryEmail', 'Email', 'email')}
</fieldset>
<fieldset><legend>Destruction of all known copies (7400.1 III.C)</legend>
  ${view.certifyNotBefore ? html`<p class="muted">Destruction may not be dated before ${view.certifyNotBefore}.</p>` : ''}
  ${text('completedOn', 'Destruction completed on', 'date')}
  <p><strong>Method (NIST SP 800-88)</strong></p>
  ${Object.entries(SANITIZATION_METHODS).map(([key, line]) => html`<label class="check"><input type="radio" name="${prefix}method" value="${key}" ${v(`${prefix}method`) === key ? html`checked` : ''} required> ${line}</label>`)}
  ${fieldError(errors, `${prefix}method`)}
  ${area('technique', 'Technique used')}
  ${area('verification', 'How destruction was verified')}
  <p><strong>Backups</strong></p>
  <label class="check"><input type="radio" name="${prefix}backups.destroyed" value="true" ${v(`${prefix}backups.destroyed`, 'true') === 'true' ? html`checked` : ''}> Backups holding the data are destroyed</label>
  <label class="check"><input type="radio" name="${prefix}backups.destroyed" value="false" ${v(`${prefix}backups.destroyed`) === 'false' ? html`checked` : ''}> Backups roll off later, on:</label>
  <input type="date" name="${prefix}backups.rollOffDate" aria-label="Date backups roll off" value="${v(`${prefix}backups.rollOffDate`)}">${fieldError(errors, `${prefix}backups.rollOffDate`)}`;
}

function exceptionsNotice(view: VendorTaskView): Markup {
  return view.exceptions.length
    ? html`<div class="notice"><p><strong>Exceptions the district allows</strong>: only this data may be kept, for these reasons; destroy the rest.</p>
  <ul>${view.exceptions.map((e) => html`<li>${e.scope}: ${e.kindLabel}. ${e.reason}${e.endsOn ? ` Until ${e.endsOn}.` : ''}</li>`)}</ul></div>`
    : html``;
}

/** A subprocessor's own certification: the vendor's destruction fields, for what the subprocessor held. */
function subprocessorCertifyForm(
  base: string,
  view: VendorTaskView,
  v: (name: string, fallback?: string) => string,
  errors: Record<string, string>,
  code: Markup,
): Markup {
  const name = view.subprocessor?.name ?? 'your organisation';
  return html`
<section><p><bdi>${view.vendor.name}</bdi> has told ${view.district} that <bdi>${name}</bdi> held the district's student data as its subprocessor. Under the district's policy 7400.1 (III.C) every known copy must be destroyed: please certify that ${name} has destroyed every copy it held.</p>${categoriesList(view)}</section>
<form method="post" action="${base}/subprocessor-certify">
${destructionFields('', view, v, errors)}
  ${exceptionsNotice(view)}
  <label class="check"><input type="checkbox" name="attestation" value="true" ${checked(v, 'attestation')} required> I state that all known copies of the district's information that <bdi>${name}</bdi> held have been destroyed (7400.1 III.C)${view.exceptions.length ? ', except the data listed as exceptions above' : ''}.</label>${fieldError(errors, 'attestation')}
</fieldset>
${code}
</form>`;
}

/**
 * Each place the data may have lived (NIST SP 800-88 App. G), marked held or never held, with its sanitization
 * where it held data (open once "held" was chosen or a detail was refused), and the person who validated it.
 */
function placesFields(v: (name: string, fallback?: string) => string, errors: Record<string, string>): Markup {
  const rows = (Object.entries(SANITIZATION_PLACES) as [string, string][]).map(([place, label], i) => {
    const name = (field: string) => `destruction.systems.${i}.${field}`;
    const id = (field: string) => `system-${i}-${field.replace('.', '-')}`;
    const held = v(name('heldData'));
    const refused = Object.keys(errors).some(
      (key) => key.startsWith(`destruction.systems.${i}.`) && key !== name('heldData'),
    );
    const text = (field: string, fieldLabel: string, type = 'text') => html`
      <label for="${id(field)}">${fieldLabel}</label><input type="${type}" id="${id(field)}" name="${name(field)}" value="${v(name(field))}">${fieldError(errors, name(field))}`;
    const area = (field: string, fieldLabel: string) => html`
      <label for="${id(field)}">${fieldLabel}</label><textarea id="${id(field)}" name="${name(field)}">${v(name(field))}</textarea>${fieldError(errors, name(field))}`;
    return html`
<fieldset><legend>${label}</legend>
  <input type="hidden" name="${name('place')}" value="${place}">
  <label class="check"><input type="radio" name="${name('heldData')}" value="true" ${held === 'true' ? html`checked` : ''} required> It held the district's data</label>
  <label class="check"><input type="radio" name="${name('heldData')}" value="false" ${held === 'false' ? html`checked` : ''}> It never held any</label>${fieldError(errors, name('heldData'))}
  ${text('name', place === 'other' ? 'Which place (required if it held data)' : 'Which system (optional)')}
  <details ${held === 'true' || refused ? html`open` : ''}><summary>How it was sanitized (where it held data)</summary>
    <label for="${id('method')}">Method (NIST SP 800-88)</label><select id="${id('method')}" name="${name('method')}">
      <option value="">Choose</option>
      ${Object.keys(SANITIZATION_METHODS).map((key) => html`<option value="${key}" ${v(name('method')) === key ? html`selected` : ''}>${key[0]!.toUpperCase()}${key.slice(1)}</option>`)}
    </select>${fieldError(errors, name('method'))}
    ${area('technique', 'Technique')}
    ${text('tool', 'Tool or service')}
    ${text('toolVersion', 'Tool version (if it has one)')}
    ${area('verification', 'How it was verified')}
    ${text('completedOn', 'Completed on', 'date')}
    ${text('cryptoErase.keys', 'Cryptographic erase: which keys were destroyed')}
    ${area('cryptoErase.how', 'Cryptographic erase: how the keys were destroyed')}
  </details>
</fieldset>`;
  });
  const person = (field: string, label: string, type = 'text') => html`
  <label for="validator-${field}">${label}</label><input type="${type}" id="validator-${field}" name="destruction.validator.${field}" value="${v(`destruction.validator.${field}`)}">${fieldError(errors, `destruction.validator.${field}`)}`;
  return html`
<fieldset><legend>Where the data lived (NIST SP 800-88, Appendix G)</legend>
  <p>Mark every place: whether it ever held the district's data and, where it did, how it was sanitized there. The district's statement lists each, as a certificate of sanitization does.</p>${fieldError(errors, 'destruction.systems')}
  ${rows}
  <fieldset><legend>Validated by (optional)</legend>
    <p class="muted">A second person who checked the sanitization.</p>
    ${person('name', "Validator's name")}
    ${person('title', "Validator's title")}
    ${person('email', "Validator's email", 'email')}
  </fieldset>
</fieldset>`;
}

function certifyForm(
  base: string,
  view: VendorTaskView,
  v: (name: string, fallback?: string) => string,
  errors: Record<string, string>,
  code: Markup,
): Markup {
  return html`
<form method="post" action="${base}/certify">
${destructionFields('destruction.', view, v, errors)}
</fieldset>
${placesFields(v, errors)}
<fieldset><legend>Subprocessors, accounts and attestation (7400.1 III.C)</legend>
  <p><strong>Subprocessors that held the data</strong> (leave empty if none). Each is emailed its own link to certify its destruction, with you copied; the district's statement waits for each.</p>
  <table class="stacked"><thead><tr><th scope="col">Name</th><th scope="col">Contact email</th><th scope="col">Contact name (optional)</th></tr></thead><tbody>
  ${[0, 1, 2, 3].map(
    (
      i,
    ) => html`<tr><td data-label="Name"><input type="text" name="destruction.subprocessors.${i}.name" aria-label="Subprocessor ${i + 1}" value="${v(`destruction.subprocessors.${i}.name`)}">${fieldError(errors, `destruction.subprocessors.${i}.name`)}</td>
    <td data-label="Contact email"><input type="email" name="destruction.subprocessors.${i}.contactEmail" aria-label="Subprocessor ${i + 1} contact email" value="${v(`destruction.subprocessors.${i}.contactEmail`)}">${fieldError(errors, `destruction.subprocessors.${i}.contactEmail`)}</td>
    <td data-label="Contact name"><input type="text" name="destruction.subprocessors.${i}.contactName" aria-label="Subprocessor ${i + 1} contact name" value="${v(`destruction.subprocessors.${i}.contactName`)}"></td></tr>`,
  )}
  </tbody></table>
  <label class="check"><input type="checkbox" name="destruction.accountsClosed" value="true" ${checked(v, 'destruction.accountsClosed')} required> The accounts of the district's users are closed (7400.1 I.B).</label>${fieldError(errors, 'destruction.accountsClosed')}
  ${exceptionsNotice(view)}
  <label class="check"><input type="checkbox" name="destruction.attestation" value="true" ${checked(v, 'destruction.attestation')} required> I state that all known copies of the district's information have been destroyed (7400.1 III.C)${view.exceptions.length ? ', except the data listed as exceptions above' : ''}.</label>${fieldError(errors, 'destruction.attestation')}
</fieldset>
<fieldset><legend>Tracking mechanisms (7400.1 IV.A, IV.C)</legend>
  ${
    view.trackingMechanisms.length
      ? html`
  <table class="stacked"><thead><tr><th scope="col">Mechanism</th><th scope="col">Kind</th><th scope="col">Removed on</th></tr></thead><tbody>
  ${view.trackingMechanisms.map(
    (
      m,
      i,
    ) => html`<tr><td data-label="Mechanism"><bdi>${m.name}</bdi><input type="hidden" name="tracking.mechanisms.${i}.name" value="${m.name}"><input type="hidden" name="tracking.mechanisms.${i}.kind" value="${m.kind}"></td><td data-label="Kind">${m.kind}</td>
    <td data-label="Removed on"><input type="date" name="tracking.mechanisms.${i}.removedOn" aria-label="${m.name} removed on" value="${v(`tracking.mechanisms.${i}.removedOn`)}" required></td></tr>`,
  )}
  </tbody></table>${fieldError(errors, 'tracking.mechanisms')}`
      : html`
  <label class="check"><input type="checkbox" name="tracking.noneInUse" value="true" ${checked(v, 'tracking.noneInUse')} required> The service used no tracking mechanism (cookie, SDK, pixel, local storage, single sign-on app) for the district.</label>`
  }
  <label class="check"><input type="checkbox" name="tracking.collectedDataDestroyed" value="true" ${checked(v, 'tracking.collectedDataDestroyed')} required> Information collected by tracking mechanisms is destroyed (IV.C).</label>${fieldError(errors, 'tracking.collectedDataDestroyed')}
  <label class="check"><input type="checkbox" name="tracking.attestation" value="true" ${checked(v, 'tracking.attestation')} required> I state that each tracking mechanism is removed or terminated (IV.A).</label>${fieldError(errors, 'tracking.attestation')}
</fieldset>
${code}
</form>`;
}

const checked = (v: (name: string) => string, name: string): Markup => (v(name) === 'true' ? html`checked` : html``);

/**
 * The end of a certification form: before the first submit, a word on the code that will be emailed to the
 * signatory; once it was sent (or a code was refused), the field to type it in.
 */
function signatoryCode(errors: Record<string, string>, ask: boolean | undefined): Markup {
  if (!ask) {
    return html`<p class="muted">When you certify, a 6-digit code is emailed to the signatory's address above, to confirm it is theirs; nothing is certified until it is entered here.</p>
<p><button type="submit">Certify</button></p>`;
  }
  return html`<fieldset><legend>The code emailed to the signatory</legend>
  <p>Enter the 6-digit code sent to the signatory's address. It works for 15 minutes; if it did not arrive or has expired, certify again without it for a new one.</p>
  <label for="verificationCode">Code</label><input type="text" id="verificationCode" name="verificationCode" inputmode="numeric" autocomplete="one-time-code" maxlength="7" value="">${fieldError(errors, 'verificationCode')}
</fieldset>
<p><button type="submit">Certify with the code</button></p>`;
}

export function vendorDonePage(title: string, message: string): string {
  return layout(
    { title },
    html`<h1>${title}</h1><div class="notice ok" role="status">${message}</div><p>You can close this page.</p>`,
  );
}

export function vendorRefusedPage(message: string): string {
  return layout(
    { title: 'This link cannot be used' },
    html`<h1>This link cannot be used</h1><div class="notice warn" role="alert">${message}</div>`,
  );
}
