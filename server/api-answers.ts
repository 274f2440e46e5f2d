// Answers of the HTTP API (docs/api.md, "HTTP API"), published as OpenAPI, and the bulk start's query. Kept apart from the request bodies in
// domain/api.ts: the workflow's update validators load those, in every case they check, and need none of these.
import { z } from 'zod';
import { ENFORCEMENT_STAGES } from '../domain/enforcement';
import { CASE_STATUSES } from '../domain/statuses';

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
  cases: z.array(
    z.object({
      caseId: z.string(),
      vendorName: z.string(),
      contractId: z.string(),
      status: z.enum(CASE_STATUSES),
      overdue: z.boolean(),
      dueAt: z.string().nullable(),
      daysLeft: z
        .number()
        .int()
        .nullable()
        .describe("whole days to the open task's due date, negative once overdue; null with no open task"),
      enforcement: z.enum(ENFORCEMENT_STAGES),
      createdAt: z.string(),
    }),
  ),
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

const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
});
export const webhookCreatedSchema = webhookView.extend({
  secret: z.string().describe('shown this once: keep it where the receiver can read it'),
});
export const webhookListSchema = z.object({ webhooks: z.array(webhookView) });
export const webhookDeliveriesSchema = z.object({
  deliveries: z.array(
    z.object({
      id: z.string(),
      eventId: z.string(),
      type: z.string(),
      caseId: z.string(),
      status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
      attempts: z.number().int(),
      lastStatus: z.number().int().nullable(),
      lastError: z.string().nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
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

/** A certification's first POST: the signatory's code is on its way; nothing is certified yet. */
export const verificationSentSchema = z.object({
  status: z.literal('verification_sent'),
  message: z.string().describe('where the code went and until when it works, in the words of the page'),
  next: z.string().describe('what an API client sends next: the same body with `verificationCode`'),
});

export const verifyResponseSchema = z.object({
  valid: z.boolean(),
  statementId: z.string().optional(),
  reason: z.string().optional(),
  caseId: z.string().optional(),
  vendorName: z.string().optional(),
  contractId: z.string().optional(),
  issuedAt: z.string().optional(),
  sha256: z.string().optional(),
  signer: z
    .object({
      keyId: z.string(),
      fingerprint: z.string().describe('SHA-256 of the signing public key (SPKI DER), hex pairs'),
      certificate: z
        .string()
        .describe(
          'SHA-256 fingerprint of the X.509 certificate that signed inside the PDF (PAdES), hex pairs; absent for statements issued before statements were signed inside',
        )
        .optional(),
    })
    .optional(),
});

// ---- bulk starts ------------------------------------------------------------------------------------------

export const bulkQuerySchema = z.object({
  dryRun: z.enum(['true', 'false']).describe('"true": check every row and start nothing').optional(),
});

const bulkProblem = z.object({
  line: z.number().int(),
  field: z.string(),
  message: z.string(),
  contractId: z.string().optional(),
});

export const bulkCheckSchema = z.object({
  dryRun: z.literal(true),
  total: z.number().int().describe('rows in the file'),
  ready: z.number().int().describe('rows that would start a case'),
  refused: z.number().int(),
  problems: z.array(bulkProblem),
  alreadyStarted: z.array(z.object({ line: z.number().int(), contractId: z.string(), caseId: z.string() })),
});

export const bulkViewSchema = z.object({
  bulkId: z.string(),
  fileName: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  status: z.enum(['running', 'finished']),
  finishedAt: z.string().optional(),
  total: z.number().int(),
  started: z.number().int(),
  alreadyStarted: z.number().int(),
  refused: z.number().int(),
  pending: z.number().int(),
  rows: z.array(
    z.object({
      line: z.number().int(),
      contractId: z.string(),
      outcome: z.enum(['pending', 'started', 'already_started', 'refused']),
      caseId: z.string().optional(),
      problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  ),
});
