// Plain HTML forms to API bodies, and a refusal back to the form. A form's field names are the body's JSON paths ("destruction.method"), so a
// refusal's field names the input it came from. Blank fields are absent, as if the JSON had left them out.
import { html, type Markup } from './markup';

export type Form = Record<string, string | string[] | undefined>;

export const formText = (form: Form, name: string): string | undefined => {
  const value = form[name];
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined || single.trim() === '' ? undefined : single.trim();
};

/** A checkbox ("on") or a hidden true/false field. */
export const formChecked = (form: Form, name: string): boolean =>
  formText(form, name) === 'true' || formText(form, name) === 'on';

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

/** The fields as typed, to refill the form after a refusal (never the CSRF token or a password). */
export const formValues = (form: Form): Record<string, string> =>
  Object.fromEntries(
    Object.entries(form)
      .filter(([k, v]) => typeof v === 'string' && k !== '_csrf' && k !== 'password')
      .map(([k, v]) => [k, v as string]),
  );

/** A refusal's field messages, by the form field they belong to. */
export function fieldErrors(details: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!Array.isArray(details)) return errors;
  for (const item of details as { field?: string; message?: string }[]) {
    if (item.field && item.message && !errors[item.field]) errors[item.field] = item.message;
  }
  return errors;
}

/** A field's error, shown beside it. */
export const fieldError = (errors: Record<string, string>, field: string): Markup =>
  errors[field] ? html`<p class="error" id="${field}-error">${errors[field]}</p>` : html``;
