// The rows of a bulk file, started a batch at a time (workflows/bulk-start.ts). Each row's contract is claimed
// before its case starts, with the case id kept on the row: a retried batch starts no row twice, and a contract
// that already has a case (by hand, by another file, on another server) is reported with that case.
import { Context } from '@temporalio/activity';
import type { CaseInput } from '../domain/case-input';
import type { SqlBulkStore } from '../infra/database/bulk-store';
import { newCaseId } from '../infra/temporal/case-starts';

export interface BulkDeps {
  store: SqlBulkStore;
  /** Starts the case's workflow (infra/temporal/case-starts.ts); a workflow already running under that id is no error. */
  startCase: (caseId: string, input: CaseInput, actor: string) => Promise<unknown>;
}

/** Rows an activity takes on, and how many of them start at once. */
const BATCH = 50;
const CONCURRENCY = 8;

export function makeBulkActivities(deps: { bulk?: BulkDeps }) {
  const bulk = (): BulkDeps => {
    if (!deps.bulk) throw new Error('this worker cannot start bulk files');
    return deps.bulk;
  };
  return {
    async startBulkRows({ bulkId, actor }: { bulkId: string; actor: string }): Promise<{ pending: number }> {
      const { store, startCase } = bulk();
      const rows = await store.pending(bulkId, BATCH);
      let next = 0;
      const starter = async (): Promise<void> => {
        for (let row = rows[next++]; row; row = rows[next++]) {
          const claim = await store.claim(bulkId, row.line, row.contractId, row.caseId ?? newCaseId());
          if ('heldBy' in claim) {
            await store.settle(bulkId, row.line, 'already_started', claim.heldBy);
          } else {
            await startCase(claim.claimed, row.input, actor);
            await store.settle(bulkId, row.line, 'started', claim.claimed);
          }
          Context.current().heartbeat();
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, starter));
      return { pending: rows.length < BATCH ? 0 : (await store.pending(bulkId, 1)).length };
    },

    async finishBulk({ bulkId }: { bulkId: string }): Promise<void> {
      await bulk().store.finish(bulkId);
    },
  };
}
