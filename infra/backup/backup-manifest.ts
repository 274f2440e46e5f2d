// The names and shapes a backup archive is made of, shared by `backup create` and `backup restore`.
import type { AuditHeads } from '../database/access-log';
import type { PassphraseCost } from './backup-seal';
import type { WrittenMember } from './backup-archive';

export const BACKUP_FORMAT = 'disposition-backup/1';
export const MANIFEST_FORMAT = 'disposition-backup-manifest/1';

/** The first member: what the archive is, and how the passphrase becomes its key (read before anything else). */
export const OPENING_MEMBER = 'backup.json';
/** The second: the keyring, sealed under the passphrase, bound to the first member. */
export const SEALED_KEYRING_MEMBER = 'keys/keyring.sealed';
/** The last: every other member's size and SHA-256, MACed under the passphrase. */
export const MANIFEST_MEMBER = 'manifest.json';
/** The keyring's own file name in KEYS_DIR (infra/keys/keys.ts). */
export const KEYRING_FILE = 'keyring.json';

export interface BackupOpening {
  format: typeof BACKUP_FORMAT;
  backupId: string;
  takenAt: string;
  cost: PassphraseCost;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  backupId: string;
  /** When the case record's snapshot was taken (ISO 8601); the Temporal snapshot follows it within moments. */
  takenAt: string;
  /** Where each audit log ends in the snapshot. */
  heads: AuditHeads;
  /** Whether the Temporal dev server's database is in it (not when TEMPORAL_ADDRESS names another server). */
  temporal: boolean;
  members: WrittenMember[];
  /** HMAC-SHA256 under the passphrase's key over the manifest's JSON without this field. */
  mac: string;
}

export const manifestText = (manifest: Omit<BackupManifest, 'mac'>): string => JSON.stringify(manifest);
