// Writes the case record at every transition (DESIGN.md "Temporal runs the case; the database keeps its record").
import type { CaseState } from '../domain/case-state';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import { announceTransition, type WebhookDeps } from './webhooks';

export function makeRecordCase(deps: { records: CaseRecordStore; webhooks?: WebhookDeps }) {
  return async function recordCase(state: CaseState): Promise<void> {
    await deps.records.saveCase(state);
    // Other district systems hear of each new status; a retry of this activity announces nothing twice.
    if (deps.webhooks) await announceTransition(deps.webhooks, state);
  };
}
