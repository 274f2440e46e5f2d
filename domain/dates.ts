import { z } from 'zod';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const isoDateSchema = z
  .string()
  .regex(ISO_DATE, 'must be a date written YYYY-MM-DD')
  .refine((text) => {
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
  }, 'is not a calendar date');

/** A moment: an ISO 8601 date-time, or a date (taken as the end of that day, UTC). */
export const momentSchema = z
  .string()
  .refine((text) => parseMoment(text) !== undefined, 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time');

export function parseMoment(text: string): number | undefined {
  if (ISO_DATE.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(start) ? undefined : start + 86_400_000 - 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The UTC calendar day of a moment, YYYY-MM-DD. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Start of a YYYY-MM-DD day, UTC. */
export const startOfDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);
