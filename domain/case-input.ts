import { z } from 'zod';
import { EXCEPTION_KINDS, TRACKING_KINDS, type ExceptionKind } from './case-terms';
import { durationSchema, isoDateSchema } from './time-schemas';
import { emailAddress, requiredText } from './text';

const categoryKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lower-case letters, digits and "_", starting with a letter');

export const categorySchema = z.object({
  key: categoryKey,
  label: requiredText(200).optional(),
  expectedRecords: z.number().int().nonnegative().optional(),
});

export const trackingMechanismSchema = z.object({
  name: requiredText(200),
  kind: z.enum(TRACKING_KINDS),
});
export type TrackingMechanism = z.infer<typeof trackingMechanismSchema>;

/** Data the vendor may keep, and why (domain/case-terms.ts EXCEPTION_KINDS); a reminder goes out when it ends. */
export const exceptionSchema = z.object({
  kind: z.enum(Object.keys(EXCEPTION_KINDS) as [ExceptionKind, ...ExceptionKind[]]),
  scope: requiredText(500).describe('what data, e.g. "de-identified usage statistics, aggregated by school"'),
  reason: requiredText(1000),
  endsOn: isoDateSchema
    .describe('when the exception ends (the administrators are reminded that day); none: it lasts')
    .optional(),
});

export const deadlinesSchema = z.object({
  acknowledge: durationSchema.optional(),
  return: durationSchema.optional(),
  review: durationSchema.optional(),
  certify: durationSchema.optional(),
  reminderEvery: durationSchema
    .describe(
      'how often an open vendor task is reminded, a duration such as "7 days"; at least the server\'s REMINDER_MIN (1 hour unless set)',
    )
    .optional(),
});

export const caseInputSchema = z
  .object({
    contract: z.object({
      id: requiredText(100),
      title: requiredText(300).optional(),
      terminationDate: isoDateSchema,
      agreement: z
        .string()
        .regex(/^[a-z][a-z0-9_-]{0,39}$/, "must be an agreement preset: ndpa, csdpa, custom, or one of the district's")
        .describe(
          'an agreement preset (ndpa, csdpa, custom, or one from AGREEMENTS_FILE): fills the deadlines the case leaves out, and the clause',
        )
        .optional(),
      clause: requiredText(2000)
        .describe(
          "the agreement's clause on return and disposal, quoted in the notice and the statement; the preset's when left out",
        )
        .optional(),
    }),
    vendor: z.object({
      name: requiredText(200),
      contactEmail: emailAddress,
      contactName: requiredText(200).optional(),
    }),
    service: z.object({
      name: requiredText(200),
      url: z.string().url('must be a URL').max(2000).optional(),
    }),
    disposition: z.object({
      option: z.enum(['return_then_destroy', 'destroy_only']),
      extent: z.enum(['complete', 'partial']),
      categories: z.array(categorySchema).min(1, 'name at least one category'),
    }),
    trackingMechanisms: z.array(trackingMechanismSchema).max(200).optional(),
    exceptions: z.array(exceptionSchema).max(50).optional(),
    deadlines: deadlinesSchema.optional(),
    legalSignoff: z
      .boolean()
      .describe(
        'legal staff countersign after the vendor certified (and its backups and subprocessors are done); only then is the statement issued, naming who countersigned',
      )
      .optional(),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.disposition.categories.forEach((category, index) => {
      if (seen.has(category.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['disposition', 'categories', index, 'key'],
          message: `category "${category.key}" is listed twice`,
        });
      }
      seen.add(category.key);
    });
    const names = new Set<string>();
    (input.trackingMechanisms ?? []).forEach((mechanism, index) => {
      const key = mechanism.name.toLowerCase();
      if (names.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['trackingMechanisms', index, 'name'],
          message: `tracking mechanism "${mechanism.name}" is listed twice`,
        });
      }
      names.add(key);
    });
  });
export type CaseInput = z.infer<typeof caseInputSchema>;
