import { z } from 'zod';
import {
  acknowledgeBodySchema,
  cancelBodySchema,
  extendBodySchema,
  legalHoldBodySchema,
  rejectionNeedsReason,
  reviewBodyShape,
  submitReturnBodySchema,
} from './api';
import { backupRolloffSchema, certificationSchema } from './certification';
import { VENDOR_TASKS, type TaskKind } from './statuses';

/** What a vendor's link token says: which task, which generation of its link. */
export const linkRefSchema = z.object({
  task: z.enum(VENDOR_TASKS),
  gen: z.number().int().positive(),
});
export type LinkRef = z.infer<typeof linkRefSchema>;

/** Who acted: `user:<name>`, `cli:<os user>`, `vendor:<task>` or `system`. */
const actorSchema = z.string().min(1).max(200);
const actor = { actor: actorSchema };
const link = { link: linkRefSchema };

export const acknowledgeSchema = acknowledgeBodySchema.extend(link);
export type AcknowledgeRequest = z.infer<typeof acknowledgeSchema>;

export const stagedFileRefSchema = z.object({
  fileId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'is not a file id'),
  category: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  records: z.number().int().nonnegative().optional(),
});

export const submitReturnSchema = submitReturnBodySchema.extend({
  ...link,
  files: z.array(stagedFileRefSchema).min(1, 'stage at least one file before submitting the return').max(100_000),
});
export type SubmitReturnRequest = z.infer<typeof submitReturnSchema>;

/** `gen` is the review task this decision answers; a decision on an older package is refused. */
export const reviewSchema = reviewBodyShape.extend({ gen: z.number().int().positive(), ...actor }).superRefine(rejectionNeedsReason);
export type ReviewRequest = z.infer<typeof reviewSchema>;

export const certifySchema = z.object({ ...link, certification: certificationSchema });
export type CertifyRequest = z.infer<typeof certifySchema>;

export const confirmBackupRolloffSchema = backupRolloffSchema.extend(link);
export type ConfirmBackupRolloffRequest = z.infer<typeof confirmBackupRolloffSchema>;

export const extendDeadlineSchema = extendBodySchema.extend(actor);
export type ExtendDeadlineRequest = z.infer<typeof extendDeadlineSchema>;

export const resendLinkSchema = z.object(actor);
export type ResendLinkRequest = z.infer<typeof resendLinkSchema>;

export const cancelCaseSchema = cancelBodySchema.extend(actor);
export type CancelCaseRequest = z.infer<typeof cancelCaseSchema>;

export const legalHoldSchema = legalHoldBodySchema.extend(actor);
export type LegalHoldRequest = z.infer<typeof legalHoldSchema>;


/** Formats a zod error as one sentence per problem, naming the field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
