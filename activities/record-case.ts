// Writes the case record at every transition (docs/architecture.md, "One workflow per case; the database keeps its record").
import type { CaseState } from '../domain/case-state';
import type { CaseRecordChange } from '../domain/record-change';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import { announceTransition, type WebhookDeps } from './webhooks';

export function makeRecordCase(deps: { records: CaseRecordStore; webhooks?: WebhookDeps }) {
  return {
    /** The whole state: cases started before writes became changes still call this. */
    async recordCase(state: CaseState): Promise<void> {
      await deps.records.saveCase(state);
      // Other district systems hear of each new status; a retry of this activity announces nothing twice.
      if (deps.webhooks) await announceTransition(deps.webhooks, state);
    },
    /** A change (domain/record-change.ts). `behind`: the record lacks what the change builds on; send it whole. */
    async recordCaseChange(change: CaseRecordChange): Promise<'written' | 'stale' | 'behind'> {
      const result = await deps.records.saveCaseChange(change);
      // Only a change of status can be a transition: most writes (a mail sent, a file destroyed) skip the webhook store.
      const moved = change.since === 0 || change.set.status !== undefined;
      if (result.outcome === 'written' && moved && deps.webhooks) await announceTransition(deps.webhooks, result.state);
      return result.outcome;
    },
  };
}
