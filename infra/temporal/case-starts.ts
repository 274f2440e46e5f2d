// Starting a case's workflow, for a case started by hand (client/case-service.ts) and for each row of a bulk
// file (activities/bulk-start.ts): one place for its id, its arguments and its first search attributes.
import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { CaseInput } from '../../domain/case-input';
import type { TerminationCaseParams } from '../../domain/case-state-changes';
import { CaseStatusKey, ContractIdKey, OverdueKey, VendorNameKey } from '../../domain/search-attributes';

export const workflowIdOf = (caseId: string): string => `case-${caseId}`;
export const newCaseId = (): string => crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');

export interface CaseStartSettings {
  taskQueue: string;
  retentionMs?: number;
  historyBudget?: number;
}

/** Starts the case; `true` when this call started it, `false` when a workflow of that id already runs (a retry). */
export async function startCaseWorkflow(
  client: Client,
  settings: CaseStartSettings,
  caseId: string,
  input: CaseInput,
  actor: string,
): Promise<boolean> {
  try {
    await client.workflow.start<(params: TerminationCaseParams) => Promise<unknown>>('terminationCase', {
      workflowId: workflowIdOf(caseId),
      taskQueue: settings.taskQueue,
      args: [
        {
          caseId,
          input,
          createdBy: actor,
          ...(settings.retentionMs !== undefined ? { retentionMs: settings.retentionMs } : {}),
          ...(settings.historyBudget ? { historyBudget: settings.historyBudget } : {}),
        },
      ],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: CaseStatusKey, value: 'awaiting_acknowledgement' },
        { key: VendorNameKey, value: input.vendor.name },
        { key: ContractIdKey, value: input.contract.id },
        { key: OverdueKey, value: false },
      ]),
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
