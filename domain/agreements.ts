// Agreement presets: the data privacy agreement a contract was signed under sets how long the vendor has, and the
// notice quotes its clause. Built in: the NDPA (dispose within 60 days of the district's request), the CSDPA
// (a requested return within 10 days), and `custom` (the district's own terms, typed per case). A district adds
// its own in a JSON file named by AGREEMENTS_FILE (infra/config.ts reads and checks it at start).
import { z } from 'zod';
import { DEFAULT_DEADLINES, type Deadlines } from './case-terms';
import type { CaseInput } from './case-input';
import { durationSchema } from './time-schemas';
import { requiredText } from './text';

export interface Agreement {
  key: string;
  name: string;
  /** Deadlines the agreement sets; a case's own deadlines still win. */
  deadlines: Partial<Deadlines>;
  /** The clause on return and disposal, as the notice and the statement quote it. */
  clause?: string;
}

export type AgreementRegistry = Readonly<Record<string, Agreement>>;

export const agreementKeySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be a preset key: lower-case letters, digits, "-" and "_"');

export const BUILT_IN_AGREEMENTS: AgreementRegistry = {
  ndpa: {
    key: 'ndpa',
    name: 'National Data Privacy Agreement (NDPA)',
    deadlines: { return: '60 days', certify: '60 days' },
    clause:
      "NDPA Article IV, section 6 (disposition of data): on the district's written request, the provider disposes of the student data, or transfers it to the district, within sixty (60) days of the request.",
  },
  csdpa: {
    key: 'csdpa',
    name: 'California Student Data Privacy Agreement (CSDPA)',
    deadlines: { return: '10 days' },
    clause:
      'CSDPA: student data the district asks to have returned is returned within ten (10) days of the request; it is then disposed of as the agreement provides.',
  },
  custom: { key: 'custom', name: "The district's own terms", deadlines: {} },
  // The name earlier clients send for "none of the above".
  other: { key: 'other', name: 'Other agreement', deadlines: {} },
};

const deadlinesSchema = z
  .object(
    Object.fromEntries(Object.keys(DEFAULT_DEADLINES).map((k) => [k, durationSchema.optional()])) as Record<
      keyof Deadlines,
      z.ZodOptional<typeof durationSchema>
    >,
  )
  .strict();

export const agreementsFileSchema = z
  .object({
    agreements: z
      .array(
        z
          .object({
            key: agreementKeySchema,
            name: requiredText(200),
            deadlines: deadlinesSchema.default({}),
            clause: requiredText(2000).optional(),
          })
          .strict(),
      )
      .min(1, 'name at least one agreement'),
  })
  .strict();

/** The built-in presets with a district's file over them (a key of its own, or a built-in's terms replaced). */
export function agreementRegistry(file?: z.infer<typeof agreementsFileSchema>): AgreementRegistry {
  const registry: Record<string, Agreement> = { ...BUILT_IN_AGREEMENTS };
  const seen = new Set<string>();
  for (const a of file?.agreements ?? []) {
    if (seen.has(a.key)) throw new Error(`agreement "${a.key}" is named twice`);
    seen.add(a.key);
    registry[a.key] = {
      key: a.key,
      name: a.name,
      deadlines: stripUndefined(a.deadlines),
      ...(a.clause ? { clause: a.clause } : {}),
    };
  }
  return registry;
}

function stripUndefined(deadlines: Partial<Record<keyof Deadlines, string | undefined>>): Partial<Deadlines> {
  return Object.fromEntries(Object.entries(deadlines).filter(([, v]) => v !== undefined));
}

/** Why a case's agreement is refused, or undefined when the registry knows it. */
export function unknownAgreement(input: Pick<CaseInput, 'contract'>, registry: AgreementRegistry): string | undefined {
  const key = input.contract.agreement;
  if (key === undefined || registry[key]) return undefined;
  return `"${key}" is not a known agreement; the presets are ${Object.keys(registry).join(', ')}`;
}

/** The case's terms with its agreement's: the preset's deadlines under the case's own, its clause unless the case has one. */
export function withAgreement(input: CaseInput, registry: AgreementRegistry): CaseInput {
  const preset = input.contract.agreement ? registry[input.contract.agreement] : undefined;
  if (!preset) return input;
  const deadlines = { ...preset.deadlines, ...input.deadlines };
  return {
    ...input,
    contract: {
      ...input.contract,
      ...(input.contract.clause === undefined && preset.clause ? { clause: preset.clause } : {}),
    },
    ...(Object.keys(deadlines).length ? { deadlines } : {}),
  };
}
