// The schemas of dates, moments and durations, for the edge (API, CLI, forms) and the update payloads.
import { z } from 'zod';
import { DATE_TIME, ISO_DATE, isCalendarDate, parseMoment } from './dates';
import { DURATION_PATTERN, MAX_DEADLINE_MS, parseDuration } from './durations';

// `format` tells a client (and the OpenAPI document) that a day must exist, which the pattern alone does not say.
export const isoDateSchema = z
  .string()
  .regex(ISO_DATE, 'must be a date written YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a calendar date')
  .meta({ format: 'date' });

/** A moment: an ISO 8601 date-time, or a date (taken as the end of that day, UTC). */
export const momentSchema = z
  .string()
  .refine(
    (text) => parseMoment(text) !== undefined,
    'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with its offset (2026-12-01T17:00:00Z)',
  )
  .meta({ anyOf: [{ format: 'date', pattern: ISO_DATE.source }, { pattern: DATE_TIME.source }] });

export const durationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, {
    message: 'must be a duration such as "30 days", "12 hours" or "5s"',
  })
  .refine((text) => (parseDuration(text) ?? 0) <= MAX_DEADLINE_MS, { message: 'must be at most 10 years' })
  .meta({ pattern: DURATION_PATTERN, description: 'a duration such as "30 days", "12 hours" or "5s"' });
