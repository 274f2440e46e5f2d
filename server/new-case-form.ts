// The new-case form to the case input (actions' forms: actions/<name>/action.ts; the generic parts: presentation/forms.ts).
import { KNOWN_CATEGORIES } from '../domain/case-terms';
import { formChecked as checked, formText as text, type Form } from '../presentation/forms';

const count = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));

export function caseInputFromForm(form: Form): unknown {
  const categories: { key: string; label?: string; expectedRecords?: number }[] = [];
  for (const key of Object.keys(KNOWN_CATEGORIES)) {
    if (checked(form, `cat.${key}`)) {
      const expected = count(text(form, `cat.${key}.expected`));
      categories.push({ key, ...(expected !== undefined ? { expectedRecords: expected } : {}) });
    }
  }
  for (let i = 0; i < 10; i += 1) {
    const label = text(form, `custom.${i}.label`);
    if (!label) continue;
    const key =
      label
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .replace(/^(\d)/, 'c_$1')
        .slice(0, 64) || `category_${i + 1}`;
    const expected = count(text(form, `custom.${i}.expected`));
    categories.push({ key, label, ...(expected !== undefined ? { expectedRecords: expected } : {}) });
  }
  const trackingMechanisms: { name: string; kind: string }[] = [];
  for (let i = 0; i < 50; i += 1) {
    const name = text(form, `track.${i}.name`);
    if (name) trackingMechanisms.push({ name, kind: text(form, `track.${i}.kind`) ?? 'other' });
  }
  const agreement = text(form, 'contract.agreement');
  const deadlines: Record<string, string> = {};
  for (const key of ['acknowledge', 'return', 'review', 'certify', 'reminderEvery']) {
    const value = text(form, `deadlines.${key}`);
    if (value) deadlines[key] = value;
  }
  // A deadline left empty is the agreement preset's, else the default (domain/agreements.ts).
  const optional = (name: string) =>
    text(form, name) !== undefined ? { [name.split('.')[1]!]: text(form, name) } : {};
  return {
    contract: {
      id: text(form, 'contract.id'),
      ...optional('contract.title'),
      terminationDate: text(form, 'contract.terminationDate'),
      ...(agreement ? { agreement } : {}),
      ...optional('contract.clause'),
    },
    vendor: {
      name: text(form, 'vendor.name'),
      contactEmail: text(form, 'vendor.contactEmail'),
      ...optional('vendor.contactName'),
    },
    service: { name: text(form, 'service.name'), ...optional('service.url') },
    disposition: { option: text(form, 'disposition.option'), extent: text(form, 'disposition.extent'), categories },
    trackingMechanisms,
    deadlines,
    ...(text(form, 'legalSignoff') === 'true' ? { legalSignoff: true } : {}),
    ...(checked(form, 'allowDuplicate') ? { allowDuplicate: true } : {}),
  };
}
