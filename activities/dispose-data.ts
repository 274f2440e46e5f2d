// Keeping no more than the policy allows (7400.1 II.C): staged copies go once a package is accepted or the
// case is cancelled; a rejected package goes at once. Deleting the file deletes its wrapped data key with it.
import type { CaseFileStorage } from '../infra/storage/case-file-storage';

export function makeDisposeData(deps: { storage: CaseFileStorage }) {
  return {
    async disposeStagedFiles({ caseId }: { caseId: string }): Promise<{ destroyed: number }> {
      return { destroyed: await deps.storage.destroyStaged(caseId) };
    },
    async disposeReturnPackage({ caseId, packageId }: { caseId: string; packageId: string }): Promise<{ destroyed: boolean }> {
      return { destroyed: await deps.storage.destroyPackage(caseId, packageId) };
    },
  };
}
