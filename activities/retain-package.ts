// Keeping no more than the policy allows (7400.1 II.C): the retention workflow's side effects. The record
// and the access log say what happened to the returned data, long after the case's own history is gone.
import type { AccessLog } from '../infra/database/access-log';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import { changeClosedCaseRecord } from '../infra/database/closed-case-record';
import type { SqlRosterStore } from '../infra/database/roster-store';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';

export interface RetentionDeps {
  records: CaseRecordStore;
  storage: CaseFileStorage;
  accessLog?: Pick<AccessLog, 'append'>;
  /** The case's roster is student data too: destroyed with the returned package. */
  rosters?: Pick<SqlRosterStore, 'destroy'>;
}

export function makeRetentionActivities(deps: RetentionDeps) {
  return {
    /** A hold sent to a retention workflow by an earlier version's client: written where every hold is, once. */
    async recordLegalHold({
      caseId,
      on,
      reason,
      actor,
    }: {
      caseId: string;
      on: boolean;
      reason: string;
      actor: string;
    }): Promise<void> {
      await deps.records.setLegalHold(caseId, { on, reason, by: actor, at: Date.now() }); // a retried attempt is `repeated`
    },

    /** At the end of retention: destroyed unless the record holds the case (then `held`, and nothing is touched). */
    async destroyRetainedPackage({
      caseId,
      packageId,
    }: {
      caseId: string;
      packageId: string;
    }): Promise<{ destroyed: boolean; held?: true }> {
      if ('held' in (await deps.records.claimDestruction(caseId, `package ${packageId}`)))
        return { destroyed: false, held: true };
      const destroyed = await deps.storage.destroyPackage(caseId, packageId);
      await deps.rosters?.destroy(caseId);
      const state = await changeClosedCaseRecord(deps.records, caseId, (s, at) => {
        if (s.retention?.destroyedAt) return undefined;
        s.retention = { ...(s.retention ?? { packageId, destroyAt: at }), destroyedAt: at };
        return {
          type: 'package_destroyed_by_retention',
          actor: 'system:retention',
          summary: 'Returned data destroyed at the end of its retention period (7400.1 II.C)',
        };
      });
      if (state) {
        await deps.accessLog?.append({
          actor: 'system:retention',
          role: 'system',
          action: 'retention destroy return package',
          caseId,
          outcome: destroyed ? 'ok' : 'already gone',
          ip: 'local',
          userAgent: 'disposition-worker',
        });
      }
      return { destroyed };
    },
  };
}
