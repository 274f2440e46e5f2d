import { z } from 'zod';
import { isoDateSchema } from './dates';
import { durationSchema } from './durations';
import { emailAddress, requiredText } from './text';

/** Categories the district may ask for: II.C's records, and its requests under I.C, I.D and I.H. */
export const KNOWN_CATEGORIES = {
  permanent: { label: 'Permanent student records', clause: 'II.C', explains: 'records the district keeps permanently, such as identity, enrolment, grades and transcripts' },
  subsidiary: { label: 'Subsidiary student records', clause: 'II.C', explains: 'working records such as assessments, attendance, discipline and teacher notes' },
  special_education: { label: 'Special education records', clause: 'II.C', explains: 'evaluations, IEPs, 504 plans and related service records' },
  electronic: { label: 'Electronic student records', clause: 'II.C', explains: 'everything else the service holds about students in electronic form: uploads, messages, usage and account data' },
  intrusion_analysis: { label: 'Intrusion analysis', clause: 'I.C', explains: 'dates, times and places (IP addresses) of intrusions or attempted intrusions into the service' },
  access_log: { label: 'Access log', clause: 'I.D', explains: 'the log of every request for access to any student\'s information' },
  policies: { label: 'Policies, licence agreements and encryption certificates', clause: 'I.H', explains: 'privacy policies, end-user licence agreements and encryption certificates that applied to the district' },
} as const;
export type KnownCategory = keyof typeof KNOWN_CATEGORIES;

const categoryKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lower-case letters, digits and "_", starting with a letter');

export const categorySchema = z.object({
  key: categoryKey,
  label: z.string().min(1).max(200).optional(),
  expectedRecords: z.number().int().nonnegative().optional(),
});

export const TRACKING_KINDS = ['cookie', 'sdk', 'pixel', 'local_storage', 'sso_app', 'other'] as const;
export const trackingMechanismSchema = z.object({
  name: requiredText(200),
  kind: z.enum(TRACKING_KINDS),
});
export type TrackingMechanism = z.infer<typeof trackingMechanismSchema>;

export const deadlinesSchema = z.object({
  acknowledge: durationSchema.optional(),
  return: durationSchema.optional(),
  review: durationSchema.optional(),
  certify: durationSchema.optional(),
  reminderEvery: durationSchema.optional(),
});

export const DEFAULT_DEADLINES = {
  acknowledge: '10 days',
  return: '60 days',
  review: '14 days',
  certify: '30 days',
  reminderEvery: '7 days',
} as const;

export const caseInputSchema = z
  .object({
    contract: z.object({
      id: requiredText(100),
      title: requiredText(300).optional(),
      terminationDate: isoDateSchema,
      agreement: z.enum(['ndpa', 'csdpa', 'other']).optional(),
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
    deadlines: deadlinesSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.disposition.categories.forEach((category, index) => {
      if (seen.has(category.key)) {
        ctx.addIssue({ code: 'custom', path: ['disposition', 'categories', index, 'key'], message: `category "${category.key}" is listed twice` });
      }
      seen.add(category.key);
    });
    const names = new Set<string>();
    (input.trackingMechanisms ?? []).forEach((mechanism, index) => {
      const key = mechanism.name.toLowerCase();
      if (names.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['trackingMechanisms', index, 'name'], message: `tracking mechanism "${mechanism.name}" is listed twice` });
      }
      names.add(key);
    });
  });
export type CaseInput = z.infer<typeof caseInputSchema>;

export type Deadlines = Required<z.infer<typeof deadlinesSchema>>;
export const deadlinesOf = (input: CaseInput): Deadlines => ({ ...DEFAULT_DEADLINES, ...input.deadlines });

export function categoryLabel(category: { key: string; label?: string }): string {
  return category.label ?? (KNOWN_CATEGORIES as Record<string, { label: string }>)[category.key]?.label ?? category.key;
}
