// Text as people type it: trimmed before use, never blank where required, and no longer than its limit as
// sent. The OpenAPI document cannot trim, so the limit is on the text as sent (a client counting what it sends
// agrees with the server), and the patterns spell out trim()'s whitespace, as other regex engines' \s differs.
import { z } from 'zod';

/** The characters String.prototype.trim() removes (ECMAScript WhiteSpace and LineTerminator). */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Somewhere in the text, something that is not whitespace. */
export const NOT_BLANK = `[^${TRIMMED}]`;

export const requiredText = (max: number, message?: string) => z.string().max(max).trim().min(1, message).meta({ pattern: NOT_BLANK });
export const optionalText = (max: number) => z.string().max(max).trim();

// The address pattern z.string().email() checks (zod's regexes.email, which the workflow bundle cannot read at
// load; tests/api-conformance.test.ts keeps the two equal), with the whitespace trim() takes away around it.
export const EMAIL = "(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}";
export const emailAddress = z.string().max(320).trim().email('must be an email address').meta({ pattern: `^[${TRIMMED}]*(?:${EMAIL})[${TRIMMED}]*$` });
