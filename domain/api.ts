// Bodies of the HTTP API (docs/api.md, "HTTP API"): validated at the edge, published as OpenAPI, and the update
// payloads the workflow checks again are made from them. The answers are the server's (server/api-answers.ts).
import { ENFORCEMENT_STAGES } from './enforcement';
import { z } from 'zod';
import { SIZE_PATTERN } from './sizes';
import { momentSchema } from './time-schemas';
import { CASE_STATUSES, TASK_KINDS } from './statuses';
import { emailAddress, NOT_BLANK, optionalText, requiredText } from './text';

export const reasonSchema = requiredText(2000, 'give a reason');

export const loginBodySchema = z.object({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(1000),
});

/** Orders of the case list: newest first, soonest due first, by status in lifecycle order (newest first within), or by vendor name. */
export const CASE_SORTS = ['created', 'due', 'status', 'vendor'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];
export const CASE_PAGE_DEFAULT = 50;

export const caseListQuerySchema = z.object({
  status: z.enum(CASE_STATUSES).optional(),
  vendor: z.string().max(200).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  enforcement: z
    .enum(ENFORCEMENT_STAGES)
    .describe("where a quiet vendor's case stands: reminded, escalated (overdue), not_cooperating, referred_to_legal")
    .optional(),
  sort: z.enum(CASE_SORTS).default('created'),
  limit: z.coerce.number().int().min(1).max(500).default(CASE_PAGE_DEFAULT),
  cursor: z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this list gave')
    .optional()
    .describe('opaque: the nextCursor of the previous page, for the same sort; any other value is refused with 400'),
  format: z
    .enum(['json', 'csv'])
    .default('json')
    .describe(
      'csv: every case the filters select, in the order asked, as one CSV file (limit and cursor do not apply)',
    ),
});

export const reviewBodyShape = z.object({
  decision: z.enum(['accept', 'reject']),
  reason: optionalText(2000).optional(),
  listMissing: z
    .boolean()
    .optional()
    .describe(
      "With a rejection: attach to the vendor's message the roster's students missing from the returned data (sourcedId and identifier, no names)",
    ),
});
export function rejectionNeedsReason(
  review: { decision: string; reason?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (review.decision === 'reject' && !review.reason)
    ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason the vendor can act on' });
}
// The document says what the refinement does: a rejection carries a reason that is not blank.
export const reviewBodySchema = reviewBodyShape.superRefine(rejectionNeedsReason).meta({
  if: { properties: { decision: { const: 'reject' } }, required: ['decision'] },
  then: { properties: { reason: { pattern: NOT_BLANK } }, required: ['reason'] },
});

export const extendBodySchema = z.object({ task: z.enum(TASK_KINDS), until: momentSchema, reason: reasonSchema });
export const cancelBodySchema = z.object({ reason: reasonSchema });
/** Legal's countersignature: the attestation the statement prints, and an optional note for the record. */
export const countersignBodySchema = z.object({
  attestation: z.literal(true, {
    error: "countersigning states that you reviewed the vendor's certification and the case record for the district",
  }),
  note: optionalText(2000).optional(),
});
export const legalHoldBodySchema = z.object({ on: z.boolean(), reason: reasonSchema });
/** The most the case may hold of staged returned files: "200 GiB", "1.5 TiB" or a number of bytes. */
export const storageLimitBodySchema = z.object({
  limit: z
    .string()
    .max(40)
    // Any size the pattern allows is taken: 0 stops further uploads, a huge one lifts the limit.
    .regex(new RegExp(SIZE_PATTERN), 'must be a size such as "200 GiB", or a number of bytes'),
  reason: reasonSchema,
});
/** A step past the escalation (domain/enforcement.ts), with what the administrator saw or tried. */
export const enforcementBodySchema = z.object({
  note: requiredText(2000, 'write a note: what was tried, and what the vendor did or did not do'),
});

export const acknowledgeBodySchema = z.object({
  contactName: requiredText(200),
  contactEmail: emailAddress,
  contactTitle: requiredText(200).optional(),
});
export const submitReturnBodySchema = z.object({ note: optionalText(4000).optional() });

/**
 * Where a webhook is delivered: https, or http to this machine only (a receiver beside the server). The host is
 * a name whose last label starts with a letter, so every address the pattern allows is one a URL parser reads.
 */
export const WEBHOOK_URL =
  "^(https://([A-Za-z0-9-]+\\.)*[A-Za-z][A-Za-z0-9-]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\]))(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$";
export const webhookBodySchema = z.object({
  url: z
    .string()
    .max(2000)
    .regex(new RegExp(WEBHOOK_URL), 'must be an https:// address (http:// only to localhost, 127.0.0.1 or [::1])'),
  events: z
    .array(z.enum([...CASE_STATUSES, '*']))
    .min(1, 'name at least one status, or "*" for every transition')
    .max(CASE_STATUSES.length + 1)
    .transform((events) => [...new Set(events)]), // a status named twice is the same wish
});
