// The vendor's certification page (7400.1 III.C and IV), and a subprocessor's, which shares its destruction part;
// their fields come back as bodies in ./form-fields.ts.
import { SANITIZATION_METHODS, SANITIZATION_PLACES } from '../../domain/certification';
import { fieldError } from '../../presentation/forms';
import { html, type Markup } from '../../presentation/markup';
import { categoriesList, type VendorTaskView } from '../../presentation/vendor-task';
import type { VendorTaskPageContext } from '../kit';

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

/** A subprocessor's own certification (actions/subprocessor-certify): the vendor's destruction fields, for what the subprocessor held. */
export function subprocessorCertifyPage({ base, view, value: v, errors, askCode }: VendorTaskPageContext): Markup {
  const code = signatoryCode(errors, askCode);
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

export function certifyPage({ base, view, value: v, errors, askCode }: VendorTaskPageContext): Markup {
  const code = signatoryCode(errors, askCode);
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
