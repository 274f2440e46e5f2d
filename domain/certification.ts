import { z } from 'zod';
import { TRACKING_KINDS } from './case-terms';
import { isoDateSchema } from './time-schemas';
import { emailAddress, requiredText } from './text';

/** NIST SP 800-88 Rev. 1 sanitization methods, in the words a vendor's privacy officer will recognise. */
export const SANITIZATION_METHODS = {
  clear: 'Clear: logical overwrite of all user-addressable storage, protects against simple recovery tools',
  purge: 'Purge: physical or logical techniques (cryptographic erase, block erase, degaussing) that defeat laboratory recovery',
  destroy: 'Destroy: the media can no longer be used (shredding, disintegration, incineration)',
} as const;

const mustBeTrue = (message: string) => z.literal(true, { error: message });
const text = requiredText;

export const destructionSchema = z.object({
  signatoryName: text(200),
  signatoryTitle: text(200),
  signatoryEmail: emailAddress,
  completedOn: isoDateSchema,
  method: z.enum(['clear', 'purge', 'destroy']),
  technique: text(2000),
  verification: text(2000),
  backups: z.object({ destroyed: z.boolean(), rollOffDate: isoDateSchema.optional() }),
  subprocessors: z.array(z.object({ name: text(200), destroyedOn: isoDateSchema })).max(200),
  accountsClosed: mustBeTrue('district users\' accounts must be closed (7400.1 I.B)'),
  attestation: mustBeTrue('the vendor must attest that all known copies are destroyed (7400.1 III.C)'),
});

export const trackingCertificationSchema = z.object({
  mechanisms: z
    .array(z.object({ name: text(200), kind: z.enum(TRACKING_KINDS), removedOn: isoDateSchema }))
    .max(200),
  noneInUse: z.boolean().optional(),
  collectedDataDestroyed: mustBeTrue('data collected by tracking mechanisms must be destroyed (7400.1 IV.C)'),
  attestation: mustBeTrue('the vendor must attest that tracking mechanisms are removed (7400.1 IV.A)'),
});

export const certificationSchema = z
  .object({ destruction: destructionSchema, tracking: trackingCertificationSchema })
  .superRefine((cert, ctx) => {
    const { backups } = cert.destruction;
    if (!backups.destroyed && !backups.rollOffDate) {
      ctx.addIssue({ code: 'custom', path: ['destruction', 'backups', 'rollOffDate'], message: 'name the date backups roll off when they are not destroyed yet' });
    }
    if (backups.destroyed && backups.rollOffDate) {
      ctx.addIssue({ code: 'custom', path: ['destruction', 'backups', 'rollOffDate'], message: 'a roll-off date only applies when backups are not destroyed yet' });
    }
    if (backups.rollOffDate && backups.rollOffDate < cert.destruction.completedOn) {
      ctx.addIssue({ code: 'custom', path: ['destruction', 'backups', 'rollOffDate'], message: 'backups cannot roll off before destruction was completed' });
    }
  });
export type Certification = z.infer<typeof certificationSchema>;

export const backupRolloffSchema = z.object({
  confirmedOn: isoDateSchema,
  attestation: mustBeTrue('the vendor must attest that every backup holding district data has rolled off'),
});
export type BackupRolloff = z.infer<typeof backupRolloffSchema>;
