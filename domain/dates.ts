import { z } from 'zod';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Date.parse rolls 2026-02-30 over to March; a day must name itself back. */
function isCalendarDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
}

// `format` tells a client (and the OpenAPI document) that a day must exist, which the pattern alone does not say.
export const isoDateSchema = z
  .string()
  .regex(ISO_DATE, 'must be a date written YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a calendar date')
  .meta({ format: 'date' });

/** A moment: an ISO 8601 date-time, or a date (taken as the end of that day, UTC). */
export const momentSchema = z
  .string()
  .refine((text) => parseMoment(text) !== undefined, 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with its offset (2026-12-01T17:00:00Z)')
  .meta({ anyOf: [{ format: 'date', pattern: ISO_DATE.source }, { pattern: DATE_TIME.source }] });

export function parseMoment(text: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !isCalendarDate(text.slice(0, 10))) return undefined;
  if (ISO_DATE.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(start) ? undefined : start + 86_400_000 - 1000;
  }
  // A time must say its offset: a bare local time would mean different moments on different machines.
  if (!DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The UTC calendar day of a moment, YYYY-MM-DD. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Start of a YYYY-MM-DD day, UTC. */
export const startOfDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);
