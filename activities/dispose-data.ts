// Keeping no more than the policy allows (7400.1 II.C): staged copies go once a package is accepted or the
// case is cancelled; a rejected package goes at once. Deleting the file deletes its wrapped data key with it.
// Unless the record holds the case: each destruction is decided against the legal hold in one transaction
// (CaseRecordStore.claimDestruction), and a held one touches nothing.
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';

export function makeDisposeData(deps: {
  storage: CaseFileStorage;
  records: Pick<CaseRecordStore, 'claimDestruction'>;
}) {
  return {
    async disposeStagedFiles({ caseId }: { caseId: string }): Promise<{ destroyed: number; held?: true }> {
      if ('held' in (await deps.records.claimDestruction(caseId, 'staged files'))) return { destroyed: 0, held: true };
      return { destroyed: await deps.storage.destroyStaged(caseId) };
    },
    async disposeReturnPackage({
      caseId,
      packageId,
    }: {
      caseId: string;
      packageId: string;
    }): Promise<{ destroyed: boolean; held?: true }> {
      if ('held' in (await deps.records.claimDestruction(caseId, `package ${packageId}`)))
        return { destroyed: false, held: true };
      return { destroyed: await deps.storage.destroyPackage(caseId, packageId) };
    },
  };
}
