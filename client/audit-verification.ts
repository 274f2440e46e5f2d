// `audit verify`: both logs' chains, the access log's anchor (AccessLog.verify), and, when given, a mailed
// checkpoint (infra/database/audit-checkpoint.ts). One answer for the CLI and the API.
import type { AccessLog, ChainVerdict, IntrusionVerdict } from '../infra/database/access-log';
import { problemsAgainst, type AuditCheckpoint } from '../infra/database/audit-checkpoint';
import type { Keyring } from '../infra/keys/keys';

export interface AuditVerdict {
  ok: boolean;
  accessLog: ChainVerdict;
  intrusions: IntrusionVerdict;
  checkpoint?: { takenAt: string; ok: boolean; problems: string[] };
}

export async function verifyAudit(
  log: Pick<AccessLog, 'verify' | 'verifyIntrusions' | 'hashAt'>,
  keyring: Pick<Keyring, 'signingPublicKey'>,
  checkpoint?: AuditCheckpoint,
): Promise<AuditVerdict> {
  const accessLog = await log.verify();
  const intrusions = await log.verifyIntrusions();
  const problems = checkpoint ? await problemsAgainst(checkpoint, log, keyring) : [];
  return {
    ok: accessLog.ok && intrusions.ok && problems.length === 0,
    accessLog,
    intrusions,
    ...(checkpoint ? { checkpoint: { takenAt: checkpoint.takenAt, ok: problems.length === 0, problems } } : {}),
  };
}

/** The verdict in sentences, one per log (and the checkpoint's). */
export function auditVerdictLines(v: AuditVerdict): string[] {
  const lines = [
    v.accessLog.ok
      ? `The access log is intact: ${v.accessLog.entries} entries, head ${v.accessLog.head}`
      : `The access log is BROKEN at entry ${v.accessLog.brokenAt}: ${v.accessLog.reason}`,
    v.intrusions.ok
      ? `The intrusion log is intact: ${v.intrusions.events} events${v.intrusions.unchained ? ` (the first ${v.intrusions.unchained} written before it was chained)` : ''}${v.intrusions.head ? `, head ${v.intrusions.head.hash}` : ''}`
      : `The intrusion log is BROKEN at event ${v.intrusions.brokenAt}: ${v.intrusions.reason}`,
  ];
  if (v.checkpoint) {
    lines.push(
      v.checkpoint.ok
        ? `The checkpoint of ${v.checkpoint.takenAt} holds: both logs still have the entries it saw.`
        : `Against the checkpoint of ${v.checkpoint.takenAt}: ${v.checkpoint.problems.join('; ')}`,
    );
  }
  return lines;
}
