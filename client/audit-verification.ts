// `audit verify`: both logs' chains, the access log's anchor (AccessLog.verify), and, when given, a mailed
// checkpoint (infra/database/audit-checkpoint.ts). On data restored from a backup (infra/backup/restore-record.ts),
// the logs legitimately end at the backup: that is reported as such, while a log cut back past the backup is not
// excused. One answer for the CLI and the API.
import type { AccessLog, ChainVerdict, IntrusionVerdict } from '../infra/database/access-log';
import { headsNotHeld, problemsAgainst, type AuditCheckpoint } from '../infra/database/audit-checkpoint';
import type { Keyring } from '../infra/keys/keys';
import { restoreSigned, type RestoreRecord } from '../infra/backup/restore-record';

/** A restore this data went through: where each log ended in the backup, and whether the logs still hold that. */
export interface RestoreVerdict {
  backupId: string;
  takenAt: string;
  restoredAt: string;
  accessLogEndsAt: number;
  intrusionsEndAt: number;
  ok: boolean;
  problems: string[];
}

export interface AuditVerdict {
  ok: boolean;
  accessLog: ChainVerdict;
  intrusions: IntrusionVerdict;
  restores?: RestoreVerdict[];
  checkpoint?: {
    takenAt: string;
    ok: boolean;
    problems: string[];
    /** Set when the checkpoint was taken between a backup and its restore: the log ends at that backup. */
    endsAtBackup?: { takenAt: string; accessLog: number; intrusions: number };
  };
}

async function checkRestore(
  record: RestoreRecord,
  log: Pick<AccessLog, 'hashAt'>,
  keyring: Pick<Keyring, 'signingPublicKey'>,
): Promise<RestoreVerdict> {
  const problems: string[] = [];
  if (!restoreSigned(record, keyring))
    problems.push(
      `the record of the restore of ${record.restoredAt} is not signed by a key of this keyring (${record.kid}): it was edited, so it excuses nothing`,
    );
  else {
    for (const { log: which, at, problem } of await headsNotHeld(record, log)) {
      const [name, what] = which === 'accessLog' ? ['access log', 'entry'] : ['intrusion log', 'event'];
      problems.push(
        problem === 'gone'
          ? `the ${name} ends before ${what} ${at}, where the backup taken ${record.takenAt} ended: it was cut back past the backup`
          : `${what} ${at} of the ${name} is not the one the backup taken ${record.takenAt} held: it was rewritten`,
      );
    }
  }
  return {
    backupId: record.backupId,
    takenAt: record.takenAt,
    restoredAt: record.restoredAt,
    accessLogEndsAt: record.accessLog?.seq ?? 0,
    intrusionsEndAt: record.intrusions?.id ?? 0,
    ok: problems.length === 0,
    problems,
  };
}

export async function verifyAudit(
  log: Pick<AccessLog, 'verify' | 'verifyIntrusions' | 'hashAt'>,
  keyring: Pick<Keyring, 'signingPublicKey'>,
  checkpoint?: AuditCheckpoint,
  restoreRecords: RestoreRecord[] = [],
): Promise<AuditVerdict> {
  const accessLog = await log.verify();
  const intrusions = await log.verifyIntrusions();
  const restores = await Promise.all(restoreRecords.map((r) => checkRestore(r, log, keyring)));
  // A checkpoint mailed after a backup and before its restore saw entries the restore could not bring back.
  const between =
    checkpoint && restores.find((r) => r.ok && r.takenAt < checkpoint.takenAt && checkpoint.takenAt <= r.restoredAt);
  const endsAtBackup = between
    ? { takenAt: between.takenAt, accessLog: between.accessLogEndsAt, intrusions: between.intrusionsEndAt }
    : undefined;
  const problems = checkpoint ? await problemsAgainst(checkpoint, log, keyring, endsAtBackup) : [];
  return {
    ok: accessLog.ok && intrusions.ok && problems.length === 0 && restores.every((r) => r.ok),
    accessLog,
    intrusions,
    ...(restores.length ? { restores } : {}),
    ...(checkpoint
      ? {
          checkpoint: {
            takenAt: checkpoint.takenAt,
            ok: problems.length === 0,
            problems,
            ...(endsAtBackup ? { endsAtBackup } : {}),
          },
        }
      : {}),
  };
}

/** The verdict in sentences, one per log (and the restores', and the checkpoint's). */
export function auditVerdictLines(v: AuditVerdict): string[] {
  const lines = [
    v.accessLog.ok
      ? `The access log is intact: ${v.accessLog.entries} entries, head ${v.accessLog.head}`
      : `The access log is BROKEN at entry ${v.accessLog.brokenAt}: ${v.accessLog.reason}`,
    v.intrusions.ok
      ? `The intrusion log is intact: ${v.intrusions.events} events${v.intrusions.unchained ? ` (the first ${v.intrusions.unchained} written before it was chained)` : ''}${v.intrusions.head ? `, head ${v.intrusions.head.hash}` : ''}`
      : `The intrusion log is BROKEN at event ${v.intrusions.brokenAt}: ${v.intrusions.reason}`,
  ];
  for (const r of v.restores ?? [])
    lines.push(
      r.ok
        ? `The logs end at the backup taken ${r.takenAt} (access log entry ${r.accessLogEndsAt}, intrusion event ${r.intrusionsEndAt}), restored ${r.restoredAt}: what was written after the backup went with the restore, and every entry since follows on from it.`
        : `Against the backup taken ${r.takenAt} (restored ${r.restoredAt}): ${r.problems.join('; ')}`,
    );
  if (v.checkpoint) {
    const c = v.checkpoint;
    const ends = c.endsAtBackup
      ? ` It was taken after the backup of ${c.endsAtBackup.takenAt}, at which the logs end: the entries it saw after access log entry ${c.endsAtBackup.accessLog} and intrusion event ${c.endsAtBackup.intrusions} went with the restore, not with tampering.`
      : '';
    lines.push(
      c.ok
        ? `The checkpoint of ${c.takenAt} holds${c.endsAtBackup ? ' up to the backup' : ': both logs still have the entries it saw'}.${ends}`
        : `Against the checkpoint of ${c.takenAt}: ${c.problems.join('; ')}`,
    );
  }
  return lines;
}
