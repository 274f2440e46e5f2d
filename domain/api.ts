// Bodies and answers of the HTTP API (DESIGN.md "HTTP API"): validated at the edge, published as OpenAPI.
import { z } from 'zod';
import { backupRolloffSchema, certificationSchema } from './certification';
import { momentSchema } from './time-schemas';
import { CASE_STATUSES, TASK_KINDS } from './statuses';
import { emailAddress, NOT_BLANK, optionalText, requiredText } from './text';

export const reasonSchema = requiredText(2000, 'give a reason');

export const loginBodySchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) });

/** Orders of the case list: newest first, soonest due first, by status in lifecycle order (newest first within), or by vendor name. */
export const CASE_SORTS = ['created', 'due', 'status', 'vendor'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];
export const CASE_PAGE_DEFAULT = 50;

export const caseListQuerySchema = z.object({
  status: z.enum(CASE_STATUSES).optional(),
  vendor: z.string().max(200).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  sort: z.enum(CASE_SORTS).default('created'),
  limit: z.coerce.number().int().min(1).max(500).default(CASE_PAGE_DEFAULT),
  cursor: z.string().max(500).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this list gave').optional()
    .describe('opaque: the nextCursor of the previous page, for the same sort; any other value is refused with 400'),
  format: z.enum(['json', 'csv']).default('json').describe('csv: every case the filters select, in the order asked, as one CSV file (limit and cursor do not apply)'),
});

export const reviewBodyShape = z.object({ decision: z.enum(['accept', 'reject']), reason: optionalText(2000).optional() });
export function rejectionNeedsReason(review: { decision: string; reason?: string | undefined }, ctx: z.RefinementCtx): void {
  if (review.decision === 'reject' && !review.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason the vendor can act on' });
}
// The document says what the refinement does: a rejection carries a reason that is not blank.
export const reviewBodySchema = reviewBodyShape.superRefine(rejectionNeedsReason).meta({
  if: { properties: { decision: { const: 'reject' } }, required: ['decision'] },
  then: { properties: { reason: { pattern: NOT_BLANK } }, required: ['reason'] },
});

export const extendBodySchema = z.object({ task: z.enum(TASK_KINDS), until: momentSchema, reason: reasonSchema });
export const cancelBodySchema = z.object({ reason: reasonSchema });
export const legalHoldBodySchema = z.object({ on: z.boolean(), reason: reasonSchema });

export const acknowledgeBodySchema = z.object({
  contactName: requiredText(200),
  contactEmail: emailAddress,
  contactTitle: requiredText(200).optional(),
});
export const submitReturnBodySchema = z.object({ note: optionalText(4000).optional() });
export const certifyBodySchema = certificationSchema;
export const backupRolloffBodySchema = backupRolloffSchema;

// ---- answers -----------------------------------------------------------------------------------------------

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const actionResultSchema = z.object({
  caseId: z.string(),
  status: z.enum(CASE_STATUSES),
  message: z.string(),
  alreadyDone: z.boolean().optional(),
});

export const caseListResponseSchema = z.object({
  cases: z.array(z.object({
    caseId: z.string(),
    vendorName: z.string(),
    contractId: z.string(),
    status: z.enum(CASE_STATUSES),
    overdue: z.boolean(),
    dueAt: z.string().nullable(),
    createdAt: z.string(),
  })),
  /** Give it as `cursor` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});

export const dashboardResponseSchema = z.object({
  byStatus: z.record(z.enum(CASE_STATUSES), z.number().int()),
  overdue: z.number().int(),
  dueThisWeek: z.number().int(),
  completedThisMonth: z.number().int(),
  months: z.array(z.object({ month: z.string(), opened: z.number().int(), closed: z.number().int() })),
  /** Open cases, soonest due first (overdue ones lead). */
  urgent: caseListResponseSchema.shape.cases,
});

export const stagedFileResponseSchema = z.object({
  fileId: z.string(),
  name: z.string(),
  category: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  records: z.number().int().optional(),
  alreadyStaged: z.boolean().optional(),
});

export const statementResponseSchema = z.object({
  statementId: z.string(),
  issuedAt: z.string(),
  vendorName: z.string(),
  contractId: z.string(),
  sha256: z.string(),
});

export const verifyResponseSchema = z.object({ valid: z.boolean(), statementId: z.string().optional(), reason: z.string().optional() });
