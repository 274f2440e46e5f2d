// Text as people type it: trimmed before use, never blank where required, and no longer than its limit as
// sent. The OpenAPI document cannot trim, so the limit is on the text as sent (a client counting what it sends
// agrees with the server), and the patterns spell out trim()'s whitespace, as other regex engines' \s differs.
import { z } from 'zod';

/** The characters String.prototype.trim() removes (ECMAScript WhiteSpace and LineTerminator). */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Somewhere in the text, something that is not whitespace. */
export const NOT_BLANK = `[^${TRIMMED}]`;

/**
 * Bidirectional controls (U+202A–U+202E, U+2066–U+2069) make text read differently from what it holds
 * ("Acme\u202eetadpu" reads "Acmeupdate"; "report\u202efdp.exe" reads "reportexe.pdf"); the invisible direction
 * marks (U+061C, U+200E, U+200F) move neighbouring text as well, and the line and paragraph separators
 * (U+2028, U+2029) break a name into lines where none shows. A name in a statement or a file name in a package
 * must read as it is stored, so no text we keep may carry one. Arabic and Hebrew need none of them: their
 * direction comes from the letters.
 */
const BIDI = '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
export const BIDI_CONTROL = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
export const BIDI_REFUSAL =
  'must not contain bidirectional control characters, invisible direction marks or line separators (U+061C, U+200E, U+200F, U+2028, U+2029, U+202A–U+202E, U+2066–U+2069)';
const readsAsStored = (text: string): boolean => !BIDI_CONTROL.test(text);

// The patterns say the same for the document: no control anywhere, and (required) one character that is neither a control nor whitespace.
export const requiredText = (max: number, message?: string) =>
  z
    .string()
    .max(max)
    .refine(readsAsStored, BIDI_REFUSAL)
    .trim()
    .min(1, message)
    .meta({ pattern: `^[^${BIDI}]*[^${BIDI}${TRIMMED}][^${BIDI}]*$` });
export const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .refine(readsAsStored, BIDI_REFUSAL)
    .trim()
    .meta({ pattern: `^[^${BIDI}]*$` });

// The address pattern z.string().email() checks (zod's regexes.email, which the workflow bundle cannot read at
// load; tests/api-conformance.test.ts keeps the two equal), with the whitespace trim() takes away around it.
export const EMAIL =
  "(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}";
export const emailAddress = z
  .string()
  .max(320)
  .trim()
  .email('must be an email address')
  .meta({ pattern: `^[${TRIMMED}]*(?:${EMAIL})[${TRIMMED}]*$` });

/** A sentence ends with one stop: text that ends in ".", "!" or "?" (a name such as "Acme Inc.") gets no second. */
export const asSentence = (text: string): string =>
  /[.!?]$/.test(text.trimEnd()) ? text.trimEnd() : `${text.trimEnd()}.`;
