// A restore leaves a record beside the keys: which backup, taken when, restored when, and where each audit log
// ended in it, signed with the server key. What the logs held after the backup is gone with the restore; without
// this record `audit verify` would take a mailed checkpoint that saw those entries as proof of a cut. With it,
// verify reports that the log ends at the backup, and still refuses a log cut back further than the backup.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditHeads } from '../database/access-log';
import { headsLines } from '../database/audit-checkpoint';
import type { Keyring } from '../keys/keys';

export const RESTORES_FILE = 'restored-backups.json';
export const RESTORE_FORMAT = 'disposition-backup-restore/1';

export interface RestoreRecord extends AuditHeads {
  format: typeof RESTORE_FORMAT;
  backupId: string;
  /** When the backup's snapshot was taken, and when it was restored (ISO 8601). */
  takenAt: string;
  restoredAt: string;
  kid: string;
  signature: string;
}

const recordText = (r: Omit<RestoreRecord, 'kid' | 'signature'>): string =>
  [r.format, r.backupId, r.takenAt, r.restoredAt, ...headsLines(r)].join('\n');

export function signRestore(
  unsigned: Omit<RestoreRecord, 'format' | 'kid' | 'signature'>,
  keyring: Pick<Keyring, 'currentSigning'>,
): RestoreRecord {
  const record = { format: RESTORE_FORMAT, ...unsigned } as const;
  const signing = keyring.currentSigning();
  return {
    ...record,
    kid: signing.kid,
    signature: crypto.sign(null, Buffer.from(recordText(record)), signing.privateKey).toString('base64'),
  };
}

export function restoreSigned(record: RestoreRecord, keyring: Pick<Keyring, 'signingPublicKey'>): boolean {
  const key = keyring.signingPublicKey(record.kid);
  try {
    return Boolean(
      key && crypto.verify(null, Buffer.from(recordText(record)), key, Buffer.from(record.signature, 'base64')),
    );
  } catch {
    return false;
  }
}

/** The restores this data went through, oldest first (none on data never restored). */
export function readRestoreRecords(keysDir: string): RestoreRecord[] {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(keysDir, RESTORES_FILE), 'utf8')) as unknown;
    return Array.isArray(value) ? (value as RestoreRecord[]) : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path.join(keysDir, RESTORES_FILE)} cannot be read: ${(err as Error).message}`);
  }
}
