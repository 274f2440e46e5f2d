// Reading the access log and the intrusion events out, for the API and the CLI alike.
import { z } from 'zod';
import { parseMoment } from '../domain/dates';
import { momentSchema as moment } from '../domain/time-schemas';
import { DispositionError } from '../domain/errors';
import { caseIdSchema } from '../domain/ids';
import type { AccessEntry } from '../infra/database/access-log';
import { toCsv } from '../domain/csv';

export const auditQuerySchema = z.object({
  caseId: caseIdSchema.optional(),
  from: moment.optional(),
  to: moment.optional(),
  format: z.enum(['json', 'csv']).optional(),
});
export const intrusionQuerySchema = z.object({
  from: moment.optional(),
  to: moment.optional(),
  format: z.enum(['json', 'csv', 'pdf']).optional(),
});

/** `from` a date means its first second; `to` a date means its last. */
export function range(from?: string, to?: string, defaultDays = 30): { from: number; to: number } {
  const end = to ? parseMoment(to)! : Date.now();
  const start = from
    ? /^\d{4}-\d{2}-\d{2}$/.test(from)
      ? Date.parse(`${from}T00:00:00Z`)
      : parseMoment(from)!
    : end - defaultDays * 86_400_000;
  if (start > end)
    throw new DispositionError('invalid_payload', 'The first day must not be after the last day.', [
      { field: 'from', message: 'after to' },
    ]);
  return { from: start, to: end };
}

export function auditCsv(entries: AccessEntry[]): string {
  return toCsv(
    ['seq', 'at', 'actor', 'role', 'action', 'case_id', 'outcome', 'ip', 'user_agent', 'prev_hash', 'hash'],
    entries.map((e) => [
      e.seq,
      new Date(e.at).toISOString(),
      e.actor,
      e.role,
      e.action,
      e.caseId,
      e.outcome,
      e.ip,
      e.userAgent,
      e.prevHash,
      e.hash,
    ]),
  );
}
