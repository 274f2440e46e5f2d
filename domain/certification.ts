import { z } from 'zod';
import { TRACKING_KINDS } from './case-terms';
import { isoDateSchema } from './time-schemas';
import { emailAddress, optionalText, requiredText } from './text';

/** NIST SP 800-88 Rev. 1 sanitization methods, in the words a vendor's privacy officer will recognise. */
export const SANITIZATION_METHODS = {
  clear: 'Clear: logical overwrite of all user-addressable storage, protects against simple recovery tools',
  purge: 'Purge: physical or logical techniques (cryptographic erase, block erase, degaussing) that defeat laboratory recovery',
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

export const destructionSchema = z.object({
  ...destructionFields,
  subprocessors: z.array(namedSubprocessorSchema).max(MAX_SUBPROCESSORS),
  accountsClosed: mustBeTrue('district users\' accounts must be closed (7400.1 I.B)'),
  attestation: mustBeTrue('the vendor must attest that all known copies are destroyed (7400.1 III.C)'),
});

type Backups = z.infer<typeof destructionFields.backups>;
/** Backups are destroyed, or roll off on a date no earlier than the destruction. */
function checkBackups(ctx: z.RefinementCtx, path: (string | number)[], backups: Backups, completedOn: string): void {
  const at = [...path, 'backups', 'rollOffDate'];
  if (!backups.destroyed && !backups.rollOffDate) ctx.addIssue({ code: 'custom', path: at, message: 'name the date backups roll off when they are not destroyed yet' });
  if (backups.destroyed && backups.rollOffDate) ctx.addIssue({ code: 'custom', path: at, message: 'a roll-off date only applies when backups are not destroyed yet' });
  if (backups.rollOffDate && backups.rollOffDate < completedOn) ctx.addIssue({ code: 'custom', path: at, message: 'backups cannot roll off before destruction was completed' });
}

export const trackingCertificationSchema = z.object({
  mechanisms: z
    .array(z.object({ name: text(200), kind: z.enum(TRACKING_KINDS), removedOn: isoDateSchema }))
    .max(200),
  noneInUse: z.boolean().optional(),
  collectedDataDestroyed: mustBeTrue('data collected by tracking mechanisms must be destroyed (7400.1 IV.C)'),
  attestation: mustBeTrue('the vendor must attest that tracking mechanisms are removed (7400.1 IV.A)'),
});

const certificationShape = { destruction: destructionSchema, tracking: trackingCertificationSchema };
function checkCertification(cert: z.infer<z.ZodObject<typeof certificationShape>>, ctx: z.RefinementCtx): void {
  checkBackups(ctx, ['destruction'], cert.destruction.backups, cert.destruction.completedOn);
  const seen = new Set<string>();
  cert.destruction.subprocessors.forEach((sub, index) => {
    const key = sub.name.toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['destruction', 'subprocessors', index, 'name'], message: `"${sub.name}" is named twice` });
    seen.add(key);
  });
}
export const certificationSchema = z.object(certificationShape).superRefine(checkCertification);
export type Certification = z.infer<typeof certificationSchema>;

/** The 6-digit code emailed to the signatory (DESIGN "Signatory check"). */
export const verificationCodeSchema = z.string().regex(/^\d{6}$/, 'must be the 6-digit code emailed to the signatory');
const verificationCode = verificationCodeSchema.optional().describe('the 6-digit code emailed to signatoryEmail: leave it out at first, and the same POST answers 202 and emails it');

/** The certify body: the certification, and the code that proves the signatory reads their address. */
export const certificationBodySchema = z.object({ ...certificationShape, verificationCode }).superRefine(checkCertification);

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
  attestation: mustBeTrue('the subprocessor must attest that all known copies of the district\'s data it held are destroyed (7400.1 III.C)'),
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
  reason: text(2000, 'say why the district waives this subprocessor\'s certification'),
});
export type SubprocessorWaiver = z.infer<typeof subprocessorWaiverSchema>;

/** A new link for a subprocessor, to a corrected address when given (a bounced or wrong one); older links stop working. */
export const subprocessorLinkSchema = z.object({
  subprocessorId: subprocessorWaiverSchema.shape.subprocessorId,
  contactEmail: emailAddress.optional(),
});
