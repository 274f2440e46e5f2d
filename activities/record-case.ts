// Writes the case record at every transition (DESIGN.md "Temporal runs the case; the database keeps its record").
import type { CaseState } from '../domain/case-state';
import type { CaseRecordStore } from '../infra/database/case-record-store';

export function makeRecordCase(deps: { records: CaseRecordStore }) {
  return async function recordCase(state: CaseState): Promise<void> {
    await deps.records.saveCase(state);
  };
}
