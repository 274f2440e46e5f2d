// Deadlines in words ("30 days") and the dates a person types: what is accepted, what it means, what is refused.
import { describe, expect, it } from 'vitest';
import { dayOf, parseMoment, startOfDay } from '../domain/dates';
import { DAY_MS, durationMs, parseDuration } from '../domain/durations';
import { durationSchema, isoDateSchema, momentSchema } from '../domain/time-schemas';

describe('parseDuration', () => {
  it('reads the units a deadline is written in', () => {
    expect(parseDuration('30 days')).toBe(30 * DAY_MS);
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('2 hours')).toBe(7_200_000);
    expect(parseDuration('1 week')).toBe(7 * DAY_MS);
    expect(parseDuration('7 years')).toBe(7 * 365.25 * DAY_MS);
    expect(parseDuration('90 min')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1d')).toBe(DAY_MS);
  });

  it('takes any case, spaces around, and a decimal amount', () => {
    expect(parseDuration('  12 Hours ')).toBe(12 * 3_600_000);
    expect(parseDuration('30 DAYS')).toBe(30 * DAY_MS);
    expect(parseDuration('1.5 days')).toBe(1.5 * DAY_MS);
  });

  it('refuses what is not a positive amount of a known unit', () => {
    for (const text of [
      '',
      ' ',
      '5',
      'days',
      '-1 days',
      '0s',
      '0 days',
      '0.0001 ms',
      '1 fortnight',
      '5 s s',
      '1e3 days',
      '+1 day',
      '1,5 days',
      'P30D',
      '30 days later',
    ]) {
      expect(parseDuration(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('durationMs throws on what parseDuration refuses; the schema says why', () => {
    expect(durationMs('10 days')).toBe(10 * DAY_MS);
    expect(() => durationMs('soon')).toThrow('not a duration: "soon"');
    expect(durationSchema.safeParse('14 days').success).toBe(true);
    const refused = durationSchema.safeParse('0s');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toContain('must be a duration');
  });
});

describe('parseMoment', () => {
  it('takes a date as the last second of that day, UTC', () => {
    expect(parseMoment('2026-11-30')).toBe(Date.parse('2026-11-30T23:59:59Z'));
    expect(parseMoment('2024-02-29')).toBe(Date.parse('2024-02-29T23:59:59Z'));
    expect(parseMoment('2026-12-31')).toBe(Date.parse('2027-01-01T00:00:00Z') - 1000);
  });

  it('takes an ISO 8601 date-time as the instant it names', () => {
    expect(parseMoment('2026-11-30T12:00:00Z')).toBe(Date.UTC(2026, 10, 30, 12, 0, 0));
    expect(parseMoment('2026-11-30T12:00:00.250Z')).toBe(Date.UTC(2026, 10, 30, 12, 0, 0, 250));
    expect(parseMoment('2026-11-30T12:00:00+02:00')).toBe(Date.UTC(2026, 10, 30, 10, 0, 0));
    expect(parseMoment('2026-11-30T23:30:00-05:00')).toBe(Date.UTC(2026, 11, 1, 4, 30, 0));
  });

  it('refuses what is not a date or date-time, and days no calendar has', () => {
    for (const text of [
      '',
      'tomorrow',
      '30/11/2026',
      '2026-11-3',
      '20261130',
      'T12:00:00Z',
      '2026-11-30 12:00:00Z',
      '2026-13-01',
      '2026-00-10',
      '2026-11-31',
      '2026-02-30',
      '2025-02-29',
      '2026-02-30T10:00:00Z',
      '2026-04-31T00:00:00+02:00',
      '2026-11-30Tnoon',
      '2026-11-30T12:00:00',
      '2026-11-30T12:00',
    ]) {
      expect(parseMoment(text), JSON.stringify(text)).toBeUndefined();
      expect(momentSchema.safeParse(text).success, JSON.stringify(text)).toBe(false);
    }
  });

  it('momentSchema accepts what parseMoment reads', () => {
    expect(momentSchema.safeParse('2026-11-30').success).toBe(true);
    expect(momentSchema.safeParse('2026-11-30T12:00:00Z').success).toBe(true);
  });
});

describe('isoDateSchema', () => {
  it('accepts calendar dates written YYYY-MM-DD, leap days included', () => {
    for (const text of ['2026-11-30', '2024-02-29', '2000-02-29', '2026-01-01', '2026-12-31']) {
      expect(isoDateSchema.safeParse(text).success, text).toBe(true);
    }
  });

  it('refuses days that do not exist', () => {
    for (const text of [
      '2026-02-30',
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-01',
      '2026-01-00',
      '2026-01-32',
    ]) {
      const result = isoDateSchema.safeParse(text);
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]?.message, text).toBe('is not a calendar date');
    }
  });

  it('refuses other ways of writing a date, saying how to write it', () => {
    for (const text of ['2026-11-30T00:00:00Z', '2026/11/30', '30-11-2026', '2026-1-30', ' 2026-11-30', '']) {
      const result = isoDateSchema.safeParse(text);
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]?.message, text).toBe('must be a date written YYYY-MM-DD');
    }
  });
});

describe('dayOf and startOfDay', () => {
  it('name the UTC day of a moment and where it begins', () => {
    expect(dayOf(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toBe('2026-11-30');
    expect(dayOf(Date.UTC(2026, 11, 1, 0, 0, 0))).toBe('2026-12-01');
    expect(startOfDay('2026-11-30')).toBe(Date.UTC(2026, 10, 30));
    expect(dayOf(parseMoment('2026-11-30')!)).toBe('2026-11-30');
  });
});
