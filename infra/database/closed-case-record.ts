// Changes to the record of a case whose workflow has ended (a legal hold, a package destroyed by retention):
// the record is then the only place the case lives, so the change is made there, as a new version.
import type { CaseState } from '../../domain/case-state';
import type { CaseRecordStore } from './case-record-store';

export async function changeClosedCaseRecord(
  records: CaseRecordStore,
  caseId: string,
  change: (state: CaseState, at: number) => { type: string; actor: string; summary: string } | undefined,
): Promise<CaseState | undefined> {
  const record = await records.getCase(caseId);
  if (!record) return undefined;
  const state = structuredClone(record.state);
  const at = Date.now();
  const event = change(state, at);
  if (!event) return state;
  state.timeline.push({ seq: state.timeline.length + 1, at, ...event });
  state.version += 1;
  state.updatedAt = at;
  await records.saveCase(state);
  return state;
}
