// The parts of the workflow's update payloads that every action shares; each action's own payload is declared
// with it (actions/).
import { z } from 'zod';
import { fileIdSchema } from './ids';
import { LINK_TASKS } from './statuses';

/** What a vendor's link token says: which task, which generation of its link (and, a subprocessor's, which one). */
export const linkRefSchema = z.object({
  task: z.enum(LINK_TASKS),
  gen: z.number().int().positive(),
  sub: z
    .string()
    .regex(/^s[1-9][0-9]?$/)
    .optional(),
});
export type LinkRef = z.infer<typeof linkRefSchema>;

/** A file staged for the return, as the submit-return payload lists it. */
export const stagedFileRefSchema = z.object({
  fileId: fileIdSchema,
  category: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  records: z.number().int().nonnegative().optional(),
});

/** Formats a zod error as one sentence per problem, naming the field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
