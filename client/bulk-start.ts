// Bulk starts for the HTTP server and the CLI alike: a file checked (a dry run starts nothing), or stored with
// its rows and handed to the bulkStart workflow, whose progress anyone may then follow.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AgreementRegistry } from '../domain/agreements';
import { BulkFileError, readBulkFile, type BulkFile, type BulkProblem } from '../domain/bulk-csv';
import { DispositionError } from '../domain/errors';
import type { BulkRun, SqlBulkStore } from '../infra/database/bulk-store';
import { bulkWorkflowId } from '../workflows/bulk-start';

export interface BulkCheck {
  dryRun: true;
  total: number;
  /** Rows that would start a case. */
  ready: number;
  refused: number;
  problems: BulkProblem[];
  /** Good rows whose contract already has a case: they would start nothing. */
  alreadyStarted: { line: number; contractId: string; caseId: string }[];
}

export interface BulkView {
  bulkId: string;
  fileName: string;
  createdAt: string;
  createdBy: string;
  status: 'running' | 'finished';
  finishedAt?: string;
  total: number;
  started: number;
  alreadyStarted: number;
  refused: number;
  pending: number;
  rows: {
    line: number;
    contractId: string;
    outcome: string;
    caseId?: string;
    problems?: { field: string; message: string }[];
  }[];
}

export const newBulkId = (): string => `bulk${crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;

export class BulkStarts {
  constructor(
    private readonly client: () => Promise<Client>,
    private readonly store: SqlBulkStore,
    private readonly config: { taskQueue: string; agreements?: AgreementRegistry },
  ) {}

  async check(text: string): Promise<BulkCheck> {
    const file = read(text, this.config.agreements);
    const alreadyStarted: BulkCheck['alreadyStarted'] = [];
    for (const row of file.rows) {
      const caseId = await this.store.holder(row.contractId);
      if (caseId) alreadyStarted.push({ line: row.line, contractId: row.contractId, caseId });
    }
    const refusedLines = new Set(file.problems.map((p) => p.line));
    return {
      dryRun: true,
      total: file.total,
      ready: file.rows.length - alreadyStarted.length,
      refused: refusedLines.size,
      problems: file.problems,
      alreadyStarted,
    };
  }

  /** Stores the file's rows and starts the workflow that starts them; the refused rows are reported at once. */
  async begin(text: string, fileName: string, actor: string): Promise<BulkView> {
    const file = read(text, this.config.agreements);
    const bulkId = newBulkId();
    await this.store.create(
      { bulkId, createdBy: actor, createdAt: Date.now(), fileName, total: file.total },
      file.rows,
      file.problems,
    );
    if (file.rows.length) {
      await (
        await this.client()
      ).workflow.start('bulkStart', {
        workflowId: bulkWorkflowId(bulkId),
        taskQueue: this.config.taskQueue,
        args: [{ bulkId, actor }],
      });
    }
    return this.view(bulkId);
  }

  async view(bulkId: string): Promise<BulkView> {
    const run = await this.store.get(bulkId);
    if (!run) throw new DispositionError('not_found', `no bulk start ${bulkId}`);
    return viewOf(run);
  }
}

function read(text: string, agreements?: AgreementRegistry): BulkFile {
  try {
    return readBulkFile(text, agreements);
  } catch (err) {
    if (err instanceof BulkFileError) throw new DispositionError('invalid_payload', err.message, [err.problem]);
    throw err;
  }
}

function viewOf(run: BulkRun): BulkView {
  return {
    bulkId: run.bulkId,
    fileName: run.fileName,
    createdAt: new Date(run.createdAt).toISOString(),
    createdBy: run.createdBy,
    status: run.finishedAt !== undefined ? 'finished' : 'running',
    ...(run.finishedAt !== undefined ? { finishedAt: new Date(run.finishedAt).toISOString() } : {}),
    total: run.total,
    started: run.counts.started,
    alreadyStarted: run.counts.already_started,
    refused: run.counts.refused,
    pending: run.counts.pending,
    rows: run.rows,
  };
}
