// The certification forms' fields (the vendor's, and a subprocessor's, which shares the destruction part) as bodies.
import { MAX_SUBPROCESSORS, MAX_SYSTEMS } from '../../domain/certification';
import { formChecked, formText, type Form } from '../../presentation/forms';

/** The fields the vendor's and a subprocessor's certification share (signatory, method, backups), under `prefix`. */
function destructionFromForm(form: Form, prefix: string) {
  const text = (name: string) => formText(form, `${prefix}${name}`);
  const destroyed = text('backups.destroyed') !== 'false';
  const rollOffDate = text('backups.rollOffDate');
  return {
    signatoryName: text('signatoryName'),
    signatoryTitle: text('signatoryTitle'),
    signatoryEmail: text('signatoryEmail'),
    completedOn: text('completedOn'),
    method: text('method'),
    technique: text('technique'),
    verification: text('verification'),
    backups: { destroyed, ...(!destroyed && rollOffDate ? { rollOffDate } : {}) },
  };
}

/** A subprocessor's certification form as its body (the same fields as the vendor's destruction, unprefixed). */
export function subprocessorCertificationFromForm(form: Form): unknown {
  return {
    ...destructionFromForm(form, ''),
    attestation: formChecked(form, 'attestation'),
    ...verificationCodeFromForm(form),
  };
}

/** The signatory's one-time code, once it was emailed and typed in (spaces around it forgiven). */
function verificationCodeFromForm(form: Form): { verificationCode?: string } {
  const code = formText(form, 'verificationCode')?.replace(/\s+/g, '');
  return code ? { verificationCode: code } : {};
}

/**
 * The form's places (`destruction.systems.<i>.*`, one row a place) as `systems`: where a place held data its
 * sanitization, where it never did only that (details typed before "never held" was chosen are dropped). A row
 * whose choice is missing is sent without `heldData`, so the refusal names it.
 */
function systemsFromForm(form: Form): { systems?: unknown[] } {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < MAX_SYSTEMS; i += 1) {
    const text = (name: string) => formText(form, `destruction.systems.${i}.${name}`);
    const place = text('place');
    if (!place) break;
    const held = text('heldData');
    const row: Record<string, unknown> = { place, ...(text('name') ? { name: text('name') } : {}) };
    if (held !== undefined) row.heldData = held === 'true';
    if (held === 'true') {
      for (const field of ['method', 'technique', 'tool', 'toolVersion', 'verification', 'completedOn'])
        if (text(field)) row[field] = text(field);
      const keys = text('cryptoErase.keys');
      const how = text('cryptoErase.how');
      if (keys || how) row.cryptoErase = { ...(keys ? { keys } : {}), ...(how ? { how } : {}) };
    }
    rows.push(row);
  }
  return rows.length ? { systems: rows } : {};
}

/** The second person who validated the sanitization, when any of their fields is filled. */
function validatorFromForm(form: Form): { validator?: Record<string, string | undefined> } {
  const text = (name: string) => formText(form, `destruction.validator.${name}`);
  return text('name') || text('title') || text('email')
    ? { validator: { name: text('name'), title: text('title'), email: text('email') } }
    : {};
}

/** The vendor's certification form (7400.1 III.C and IV) as the certify body. */
export function certificationFromForm(form: Form): unknown {
  const text = (name: string) => formText(form, name);
  // A row counts when any of its fields is filled: a name without its email is refused by name, not dropped.
  const subprocessors: { name?: string; contactEmail?: string; contactName?: string }[] = [];
  for (let i = 0; i < MAX_SUBPROCESSORS; i += 1) {
    const row = {
      name: text(`destruction.subprocessors.${i}.name`),
      contactEmail: text(`destruction.subprocessors.${i}.contactEmail`),
      contactName: text(`destruction.subprocessors.${i}.contactName`),
    };
    if (row.name || row.contactEmail || row.contactName)
      subprocessors.push(Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)));
  }
  const mechanisms: { name?: string; kind?: string; removedOn?: string }[] = [];
  for (let i = 0; i < 200; i += 1) {
    const name = text(`tracking.mechanisms.${i}.name`);
    if (!name) break;
    const removedOn = text(`tracking.mechanisms.${i}.removedOn`);
    mechanisms.push({ name, kind: text(`tracking.mechanisms.${i}.kind`), ...(removedOn ? { removedOn } : {}) });
  }
  return {
    ...verificationCodeFromForm(form),
    destruction: {
      ...destructionFromForm(form, 'destruction.'),
      ...systemsFromForm(form),
      ...validatorFromForm(form),
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
