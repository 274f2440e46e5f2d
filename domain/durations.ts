// Durations such as "30 days". No zod here, for the reason domain/dates.ts gives.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
  y: 31_557_600_000,
  year: 31_557_600_000,
  years: 31_557_600_000, // Julian years
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

/** "30 days", "5s", "2 hours" to milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const unit = UNIT_MS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * unit);
  return ms > 0 ? ms : undefined;
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: "${text}"`);
  return ms;
}

// The same grammar for the OpenAPI document, which has no flags: each unit in either case, JavaScript's
// whitespace spelled out (other engines' \s differs); not said there: more than zero, at most 10 years.
const SPACE = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*';
const anyCase = (unit: string): string => [...unit].map((c) => `[${c}${c.toUpperCase()}]`).join('');
export const DURATION_PATTERN = `^${SPACE}[0-9]+(\\.[0-9]+)?${SPACE}(${Object.keys(UNIT_MS)
  .sort((a, b) => b.length - a.length)
  .map(anyCase)
  .join('|')})${SPACE}$`;

/** Longer is a slip of the keyboard, and would put a due time past what dates and Temporal's DueAt can hold. */
export const MAX_DEADLINE_MS = 10 * UNIT_MS.years!;

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** A duration as people write it: "1 hour", "90 minutes", "2 days", "1.5 s". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [DAY_MS, 'day'],
    [HOUR_MS, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return ms >= 1000 ? `${ms / 1000} seconds` : `${ms} ms`;
}
