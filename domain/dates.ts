// Dates and moments as the policy's deadlines use them. No zod here: workflow code imports this module, and
// every workflow kept in the worker's cache would build its own copy of each schema (domain/time-schemas.ts).

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Date.parse rolls 2026-02-30 over to March; a day must name itself back. */
export function isCalendarDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
}

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

/** The months' names, January first. */
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** The day of a moment as people write it, in UTC: "7 December 2026". */
const dayInWords = (d: Date): string => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

/** A moment as people write it, in UTC: "7 December 2026, 02:39 UTC" (pages, mails, the CLI and the statement); a dash when there is none. */
export const readableMoment = (ms: number | undefined | null): string => {
  if (!ms) return '—';
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${dayInWords(d)}, ${hh}:${mm} UTC`;
};

/** A calendar day (`2027-01-31`) as people write it: "31 January 2027". */
export const readableDay = (day: string): string => dayInWords(new Date(startOfDay(day)));

/** A moment as the API answers it: ISO 8601 with milliseconds, UTC; null when there is none. */
export const isoOrNull = (ms: number | undefined | null): string | null =>
  ms === undefined || ms === null ? null : new Date(ms).toISOString();

/** ISO 8601 to the second, UTC: `2026-12-02T09:30:00Z` (data records and message headers, which programs read). */
export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
