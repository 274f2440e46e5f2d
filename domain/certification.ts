import { z } from 'zod';
import { TRACKING_KINDS } from './case-terms';
import { isoDateSchema } from './time-schemas';
import { emailAddress, optionalText, requiredText } from './text';

/** NIST SP 800-88 Rev. 1 sanitization methods, in the words a vendor's privacy officer will recognise. */
export const SANITIZATION_METHODS = {
  clear: 'Clear: logical overwrite of all user-addressable storage, protects against simple recovery tools',
  purge:
    'Purge: physical or logical techniques (cryptographic erase, block erase, degaussing) that defeat laboratory recovery',
  destroy: 'Destroy: the media can no longer be used (shredding, disintegration, incineration)',
} as const;

const mustBeTrue = (message: string) => z.literal(true, { error: message });
const text = requiredText;

/** Who signs a certification, when destruction was done, how (NIST SP 800-88) and how it was checked. */
const destructionFields = {
  signatoryName: text(200),
  signatoryTitle: text(200),
  signatoryEmail: emailAddress,
  completedOn: isoDateSchema,
  method: z.enum(['clear', 'purge', 'destroy']),
  technique: text(2000),
  verification: text(2000),
  backups: z.object({ destroyed: z.boolean(), rollOffDate: isoDateSchema.optional() }),
};

/** A subprocessor the vendor names as having held district data: it is asked to certify its own destruction. */
export const namedSubprocessorSchema = z.object({
  name: text(200),
  contactEmail: emailAddress,
  contactName: optionalText(200).optional(),
});
export type NamedSubprocessor = z.infer<typeof namedSubprocessorSchema>;
export const MAX_SUBPROCESSORS = 20;

/**
 * The places a district's data may have lived at a vendor, as a certificate of sanitization lists them (NIST SP
 * 800-88 Appendix G): the vendor marks each as holding the data or never having held it.
 */
export const SANITIZATION_PLACES = {
  production: 'Production systems',
  staging: 'Staging and test systems',
  backups: 'Backups',
  disaster_recovery: 'Disaster recovery copies',
  replicas_caches: 'Replicas and caches',
  analytics: 'Analytics and reporting',
  logs: 'Logs',
  other: 'Anywhere else',
} as const;
export type SanitizationPlace = keyof typeof SANITIZATION_PLACES;
const PLACES = Object.keys(SANITIZATION_PLACES) as [SanitizationPlace, ...SanitizationPlace[]];
export const MAX_SYSTEMS = 40;

/** What a place that held the data says of its sanitization; a place that never held any says none of it. */
const SANITIZATION_DETAILS = ['method', 'technique', 'tool', 'verification', 'completedOn'] as const;

/** One place the data lived, and how it was sanitized there (NIST SP 800-88 App. G; Rev. 2 leans on cryptographic erase). */
export const sanitizedSystemSchema = z.object({
  place: z.enum(PLACES),
  name: requiredText(200)
    .optional()
    .describe('which system: required for "other", and to tell two systems of one place apart'),
  heldData: z.boolean().describe("whether this place ever held the district's data"),
  method: z.enum(['clear', 'purge', 'destroy']).optional(),
  technique: requiredText(2000).optional(),
  tool: requiredText(200).optional().describe('the tool or service that sanitized it'),
  toolVersion: requiredText(100).optional(),
  verification: requiredText(2000).optional().describe('how the sanitization was verified'),
  completedOn: isoDateSchema.optional(),
  cryptoErase: z
    .object({
      keys: requiredText(1000, 'name the keys that were destroyed'),
      how: requiredText(2000, 'say how the keys were destroyed'),
    })
    .optional()
    .describe('for cryptographic erase: which keys, and how they were destroyed'),
});
export type SanitizedSystem = z.infer<typeof sanitizedSystemSchema>;

/** A second person who checked the sanitization and signs with the signatory (App. G "validation"). */
export const sanitizationValidatorSchema = z.object({ name: text(200), title: text(200), email: emailAddress });

export const destructionSchema = z.object({
  ...destructionFields,
  systems: z
    .array(sanitizedSystemSchema)
    .max(MAX_SYSTEMS)
    .optional()
    .describe(
      `every place the data may have lived (${PLACES.join(', ')}), each marked heldData, with its sanitization where it held data. Leaving it out is deprecated: certificates of sanitization record each place`,
    ),
  validator: sanitizationValidatorSchema.optional(),
  subprocessors: z.array(namedSubprocessorSchema).max(MAX_SUBPROCESSORS),
  accountsClosed: mustBeTrue("district users' accounts must be closed (7400.1 I.B)"),
  attestation: mustBeTrue('the vendor must attest that all known copies are destroyed (7400.1 III.C)'),
});

type Backups = z.infer<typeof destructionFields.backups>;
/** Backups are destroyed, or roll off on a date no earlier than the destruction. */
function checkBackups(ctx: z.RefinementCtx, path: (string | number)[], backups: Backups, completedOn: string): void {
  const at = [...path, 'backups', 'rollOffDate'];
  if (!backups.destroyed && !backups.rollOffDate)
    ctx.addIssue({
      code: 'custom',
      path: at,
      message: 'name the date backups roll off when they are not destroyed yet',
    });
  if (backups.destroyed && backups.rollOffDate)
    ctx.addIssue({
      code: 'custom',
      path: at,
      message: 'a roll-off date only applies when backups are not destroyed yet',
    });
  if (backups.rollOffDate && backups.rollOffDate < completedOn)
    ctx.addIssue({ code: 'custom', path: at, message: 'backups cannot roll off before destruction was completed' });
}

export const trackingCertificationSchema = z.object({
  mechanisms: z.array(z.object({ name: text(200), kind: z.enum(TRACKING_KINDS), removedOn: isoDateSchema })).max(200),
  noneInUse: z.boolean().optional(),
  collectedDataDestroyed: mustBeTrue('data collected by tracking mechanisms must be destroyed (7400.1 IV.C)'),
  attestation: mustBeTrue('the vendor must attest that tracking mechanisms are removed (7400.1 IV.A)'),
});

const certificationShape = { destruction: destructionSchema, tracking: trackingCertificationSchema };
/**
 * Every place listed; details where a place held the data, none where it never did; done by the destruction's
 * date. Backups that roll off later (`backups.destroyed: false`) are confirmed by their own task: their place may
 * say how they roll off, and needs no date or verification yet.
 */
function checkSystems(
  ctx: z.RefinementCtx,
  systems: SanitizedSystem[],
  completedOn: string,
  backupsRollOff: boolean,
): void {
  const at = (index: number, field?: string) => ['destruction', 'systems', index, ...(field ? [field] : [])];
  const missing = PLACES.filter((place) => !systems.some((s) => s.place === place));
  if (missing.length)
    ctx.addIssue({
      code: 'custom',
      path: ['destruction', 'systems'],
      message: `list every place the data may have lived, marking heldData true or false: missing ${missing.join(', ')}`,
    });
  systems.forEach((system, index) => {
    if (system.heldData && system.place === 'backups' && backupsRollOff) return;
    if (system.heldData) {
      for (const field of SANITIZATION_DETAILS) {
        if (system[field] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: at(index, field),
            message: `required where the place held district data (${SANITIZATION_PLACES[system.place]})`,
          });
      }
      if (system.place === 'other' && !system.name)
        ctx.addIssue({
          code: 'custom',
          path: at(index, 'name'),
          message: 'name the place: "other" is not enough on a certificate',
        });
      if (system.completedOn && system.completedOn > completedOn)
        ctx.addIssue({
          code: 'custom',
          path: at(index, 'completedOn'),
          message: `after destruction.completedOn (${completedOn}): destruction is complete when its last place is`,
        });
    } else {
      const given = [...SANITIZATION_DETAILS, 'toolVersion', 'cryptoErase'].filter(
        (field) => system[field as keyof SanitizedSystem] !== undefined,
      );
      if (given.length)
        ctx.addIssue({
          code: 'custom',
          path: at(index, given[0]),
          message: `a place that never held district data has nothing to sanitize: leave out ${given.join(', ')}`,
        });
    }
  });
}

function checkCertification(cert: z.infer<z.ZodObject<typeof certificationShape>>, ctx: z.RefinementCtx): void {
  checkBackups(ctx, ['destruction'], cert.destruction.backups, cert.destruction.completedOn);
  if (cert.destruction.systems)
    checkSystems(ctx, cert.destruction.systems, cert.destruction.completedOn, !cert.destruction.backups.destroyed);
  const seen = new Set<string>();
  cert.destruction.subprocessors.forEach((sub, index) => {
    const key = sub.name.toLowerCase();
    if (seen.has(key))
      ctx.addIssue({
        code: 'custom',
        path: ['destruction', 'subprocessors', index, 'name'],
        message: `"${sub.name}" is named twice`,
      });
    seen.add(key);
  });
}
export const certificationSchema = z.object(certificationShape).superRefine(checkCertification);
export type Certification = z.infer<typeof certificationSchema>;

/** The 6-digit code emailed to the signatory (docs/architecture.md, "The signatory check"). */
export const verificationCodeSchema = z.string().regex(/^\d{6}$/, 'must be the 6-digit code emailed to the signatory');
const verificationCode = verificationCodeSchema
  .optional()
  .describe(
    'the 6-digit code emailed to signatoryEmail: leave it out at first, and the same POST answers 202 and emails it',
  );

/** The certify body: the certification, and the code that proves the signatory reads their address. */
export const certificationBodySchema = z
  .object({ ...certificationShape, verificationCode })
  .superRefine(checkCertification);

/**
 * The certify body as the API document shows it: with `destruction.systems` (every place the data lived), or,
 * deprecated, without it as scripts sent it before certificates recorded each place.
 */
export const certificationBodyDocSchema = z.union([
  z.object({
    destruction: destructionSchema.extend({ systems: z.array(sanitizedSystemSchema).min(1).max(MAX_SYSTEMS) }),
    tracking: trackingCertificationSchema,
    verificationCode,
  }),
  z
    .object({
      destruction: destructionSchema.omit({ systems: true }),
      tracking: trackingCertificationSchema,
      verificationCode,
    })
    .meta({
      deprecated: true,
      description:
        'Deprecated: a certification without destruction.systems, as accepted before certificates of sanitization recorded each place the data lived. Still accepted.',
    }),
]);

/** That the signatory read a code sent to their address, when, and from which address and browser they certified. */
export const signatoryCheckSchema = z.object({
  email: z.string().max(320),
  verifiedAt: z.number().int(),
  ip: z.string().max(100),
  userAgent: z.string().max(500),
});
export type SignatoryCheck = z.infer<typeof signatoryCheckSchema>;

export const backupRolloffSchema = z.object({
  confirmedOn: isoDateSchema,
  attestation: mustBeTrue('the vendor must attest that every backup holding district data has rolled off'),
});
export type BackupRolloff = z.infer<typeof backupRolloffSchema>;

/**
 * A subprocessor's own certification of destruction: the vendor's destruction fields (the same signatory,
 * method, technique, verification and backups), attested for what the subprocessor held.
 */
const subprocessorCertificationShape = {
  ...destructionFields,
  attestation: mustBeTrue(
    "the subprocessor must attest that all known copies of the district's data it held are destroyed (7400.1 III.C)",
  ),
};
export const subprocessorCertificationSchema = z
  .object(subprocessorCertificationShape)
  .superRefine((cert, ctx) => checkBackups(ctx, [], cert.backups, cert.completedOn));
export type SubprocessorCertification = z.infer<typeof subprocessorCertificationSchema>;
export const subprocessorCertificationBodySchema = z
  .object({ ...subprocessorCertificationShape, verificationCode })
  .superRefine((cert, ctx) => checkBackups(ctx, [], cert.backups, cert.completedOn));

/** The district lets the case finish without one subprocessor's certification, and says why. */
export const subprocessorWaiverSchema = z.object({
  subprocessorId: z.string().regex(/^s[1-9][0-9]?$/, 'must be a subprocessor id of the case (s1, s2, …)'),
  reason: text(2000, "say why the district waives this subprocessor's certification"),
});
export type SubprocessorWaiver = z.infer<typeof subprocessorWaiverSchema>;

/** A new link for a subprocessor, to a corrected address when given (a bounced or wrong one); older links stop working. */
export const subprocessorLinkSchema = z.object({
  subprocessorId: subprocessorWaiverSchema.shape.subprocessorId,
  contactEmail: emailAddress.optional(),
});
