// Plain HTML forms to API bodies. A form's field names are the body's JSON paths ("destruction.method"), so a
// refusal's field names the input it came from. Blank fields are absent, as if the JSON had left them out.
export type Form = Record<string, string | string[] | undefined>;

export const formText = (form: Form, name: string): string | undefined => {
  const value = form[name];
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined || single.trim() === '' ? undefined : single.trim();
};

/** A checkbox ("on") or a hidden true/false field. */
export const formChecked = (form: Form, name: string): boolean => formText(form, name) === 'true' || formText(form, name) === 'on';

/**
 * The named fields as a flat body: strings as written, booleans from "true"/"on" and "false", blanks left out.
 * Enough for every form whose body has no nesting; the others map their fields by hand.
 */
export function flatFormBody(form: Form, fields: Record<string, 'text' | 'boolean'>): Record<string, string | boolean> {
  const body: Record<string, string | boolean> = {};
  for (const [name, type] of Object.entries(fields)) {
    const value = formText(form, name);
    if (value === undefined) continue;
    body[name] = type === 'boolean' ? value === 'true' || value === 'on' : value;
  }
  return body;
}

/** The vendor's certification form (7400.1 III.C and IV) as the certify body. */
export function certificationFromForm(form: Form): unknown {
  const text = (name: string) => formText(form, name);
  const subprocessors: { name: string; destroyedOn?: string }[] = [];
  for (let i = 0; i < 20; i += 1) {
    const name = text(`destruction.subprocessors.${i}.name`);
    const destroyedOn = text(`destruction.subprocessors.${i}.destroyedOn`);
    if (name) subprocessors.push({ name, ...(destroyedOn ? { destroyedOn } : {}) });
  }
  const mechanisms: { name?: string; kind?: string; removedOn?: string }[] = [];
  for (let i = 0; i < 200; i += 1) {
    const name = text(`tracking.mechanisms.${i}.name`);
    if (!name) break;
    const removedOn = text(`tracking.mechanisms.${i}.removedOn`);
    mechanisms.push({ name, kind: text(`tracking.mechanisms.${i}.kind`), ...(removedOn ? { removedOn } : {}) });
  }
  const destroyed = text('destruction.backups.destroyed') !== 'false';
  const rollOffDate = text('destruction.backups.rollOffDate');
  return {
    destruction: {
      signatoryName: text('destruction.signatoryName'),
      signatoryTitle: text('destruction.signatoryTitle'),
      signatoryEmail: text('destruction.signatoryEmail'),
      completedOn: text('destruction.completedOn'),
      method: text('destruction.method'),
      technique: text('destruction.technique'),
      verification: text('destruction.verification'),
      backups: { destroyed, ...(!destroyed && rollOffDate ? { rollOffDate } : {}) },
      subprocessors,
      accountsClosed: formChecked(form, 'destruction.accountsClosed'),
      attestation: formChecked(form, 'destruction.attestation'),
    },
    tracking: {
      mechanisms,
      ...(formChecked(form, 'tracking.noneInUse') ? { noneInUse: true } : {}),
      collectedDataDestroyed: formChecked(form, 'tracking.collectedDataDestroyed'),
      attestation: formChecked(form, 'tracking.attestation'),
    },
  };
}
