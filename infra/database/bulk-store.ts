// Bulk starts: each file's rows with their outcomes, and which case each contract was last started as, so a
// file uploaded twice (or two files naming one contract, at once, on two servers) starts each contract once.
// One SQL implementation for both engines.
import type { BulkProblem } from '../../domain/bulk-csv';
import type { CaseInput } from '../../domain/case-input';
import { FieldSeal } from '../keys/field-seal';
import { inBatches, type SqlDatabase, type SqlExecutor } from './sql-database';

export type BulkOutcome = 'pending' | 'started' | 'already_started' | 'refused';

export interface BulkRowState {
  line: number;
  contractId: string;
  outcome: BulkOutcome;
  caseId?: string;
  problems?: Omit<BulkProblem, 'line'>[];
}

export interface BulkRun {
  bulkId: string;
  createdBy: string;
  createdAt: number;
  fileName: string;
  total: number;
  finishedAt?: number;
  counts: Record<BulkOutcome, number>;
  rows: BulkRowState[];
}

/** A row still to start: its case id is chosen when its contract is claimed, so a retried start reuses it. */
export interface PendingBulkRow {
  line: number;
  contractId: string;
  input: CaseInput;
  caseId?: string;
}

/** How contracts are compared: a district's ids differ in case and spacing between systems, never in meaning. */
export const contractKey = (contractId: string): string => contractId.trim().toLowerCase();

interface RowRecord {
  line: number;
  contract_id: string;
  outcome: string;
  case_id: string | null;
  problems_json: string | null;
}

/** A row's case input (contacts) and its problems (which may quote what was refused) are sealed (field-seal.ts). */
const BOUND = {
  input: (bulkId: string, line: number) => `bulk|${bulkId}|${line}|input`,
  problems: (bulkId: string, line: number) => `bulk|${bulkId}|${line}|problems`,
};

export class SqlBulkStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly seal: FieldSeal,
  ) {}

  /** Seals rows written in the clear by an earlier version (see SqlCaseRecordStore.sealEarlierRows). */
  async sealEarlierRows(): Promise<number> {
    return inBatches<{ bulk_id: string; line: number; input_json: string | null; problems_json: string | null }>(
      this.db,
      `SELECT bulk_id, line, input_json, problems_json FROM bulk_rows WHERE (input_json IS NOT NULL AND input_json NOT LIKE '~s1~%') OR (problems_json IS NOT NULL AND problems_json NOT LIKE '~s1~%') LIMIT ?`,
      async (r) => {
        const line = Number(r.line);
        return (
          await this.db.run('UPDATE bulk_rows SET input_json = ?, problems_json = ? WHERE bulk_id = ? AND line = ?', [
            this.seal.sealIfClear(r.input_json, BOUND.input(r.bulk_id, line)),
            this.seal.sealIfClear(r.problems_json, BOUND.problems(r.bulk_id, line)),
            r.bulk_id,
            line,
          ])
        ).changes;
      },
    );
  }

  async create(
    run: { bulkId: string; createdBy: string; createdAt: number; fileName: string; total: number },
    rows: { line: number; contractId: string; input: CaseInput }[],
    problems: BulkProblem[],
  ): Promise<void> {
    const refused = new Map<number, BulkProblem[]>();
    for (const p of problems) refused.set(p.line, [...(refused.get(p.line) ?? []), p]);
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO bulk_runs (bulk_id, created_by, created_at, file_name, total, finished_at) VALUES (?, ?, ?, ?, ?, ?)',
        [run.bulkId, run.createdBy, run.createdAt, run.fileName, run.total, rows.length ? null : run.createdAt],
      );
      for (const row of rows) {
        await tx.run('INSERT INTO bulk_rows (bulk_id, line, contract_id, input_json, outcome) VALUES (?, ?, ?, ?, ?)', [
          run.bulkId,
          row.line,
          row.contractId,
          this.seal.seal(JSON.stringify(row.input), BOUND.input(run.bulkId, row.line)),
          'pending',
        ]);
      }
      for (const [line, found] of refused) {
        const contractId = found[0]?.contractId ?? '';
        await tx.run(
          'INSERT INTO bulk_rows (bulk_id, line, contract_id, outcome, problems_json, settled_at) VALUES (?, ?, ?, ?, ?, ?)',
          [
            run.bulkId,
            line,
            contractId,
            'refused',
            this.seal.seal(
              JSON.stringify(found.map(({ field, message }) => ({ field, message }))),
              BOUND.problems(run.bulkId, line),
            ),
            run.createdAt,
          ],
        );
      }
    });
  }

  async pending(bulkId: string, limit: number): Promise<PendingBulkRow[]> {
    const rows = await this.db.all<{ line: number; contract_id: string; input_json: string; case_id: string | null }>(
      'SELECT line, contract_id, input_json, case_id FROM bulk_rows WHERE bulk_id = ? AND outcome = ? ORDER BY line LIMIT ?',
      [bulkId, 'pending', limit],
    );
    return rows.map((r) => ({
      line: Number(r.line),
      contractId: r.contract_id,
      input: JSON.parse(this.seal.open(r.input_json, BOUND.input(bulkId, Number(r.line)))) as CaseInput,
      ...(r.case_id ? { caseId: r.case_id } : {}),
    }));
  }

  /**
   * Claims the row's contract for `caseId`: `claimed` when it is the row's to start (now or already, by an
   * earlier try of this row), else the case that holds the contract. A contract is held by its latest case
   * unless that case was cancelled.
   */
  async claim(
    bulkId: string,
    line: number,
    contractId: string,
    caseId: string,
    now = Date.now(),
  ): Promise<{ claimed: string } | { heldBy: string }> {
    return this.db.transaction(async (tx) => {
      const key = contractKey(contractId);
      await tx.lock(`contract ${key}`);
      const row = await tx.get<{ case_id: string | null }>(
        'SELECT case_id FROM bulk_rows WHERE bulk_id = ? AND line = ?',
        [bulkId, line],
      );
      if (row?.case_id) return { claimed: row.case_id };
      const holder = await heldBy(tx, key);
      if (holder) return { heldBy: holder };
      await tx.run(
        `INSERT INTO contract_cases (contract_key, case_id, claimed_at) VALUES (?, ?, ?)
        ON CONFLICT (contract_key) DO UPDATE SET case_id = excluded.case_id, claimed_at = excluded.claimed_at`,
        [key, caseId, now],
      );
      await tx.run('UPDATE bulk_rows SET case_id = ? WHERE bulk_id = ? AND line = ?', [caseId, bulkId, line]);
      return { claimed: caseId };
    });
  }

  /** The case that holds a contract now, if any (a dry run's question). */
  async holder(contractId: string): Promise<string | undefined> {
    return heldBy(this.db, contractKey(contractId));
  }

  /**
   * A case started by hand claims its contract, so a bulk file naming it later does not start it again; unless an
   * open case of the same vendor holds the contract (a second notice to the vendor is a likely mistake): that case,
   * then, and nothing is claimed. A claim whose case has not reached the record yet (started a moment ago: a form
   * sent twice) holds it too, for ten minutes. `allowDuplicate` claims all the same.
   */
  async claimForStart(
    contractId: string,
    vendorName: string,
    caseId: string,
    allowDuplicate = false,
    now = Date.now(),
  ): Promise<{ openCase?: { caseId: string; status: string | null } }> {
    return this.db.transaction(async (tx) => {
      const key = contractKey(contractId);
      await tx.lock(`contract ${key}`);
      if (!allowDuplicate) {
        const vendor = vendorName.trim().toLowerCase();
        const open = (
          await tx.all<{ case_id: string; status: string; vendor_name: string }>(
            `SELECT case_id, status, vendor_name FROM cases WHERE lower(trim(contract_id)) = ?
              AND status NOT IN ('completed', 'cancelled') ORDER BY created_at DESC`,
            [key],
          )
        ).find((row) => row.vendor_name.trim().toLowerCase() === vendor);
        if (open) return { openCase: { caseId: open.case_id, status: open.status } };
        const starting = await tx.get<{ case_id: string }>(
          `SELECT c.case_id FROM contract_cases c LEFT JOIN cases k ON k.case_id = c.case_id
            WHERE c.contract_key = ? AND k.case_id IS NULL AND c.claimed_at > ?`,
          [key, now - 10 * 60_000],
        );
        if (starting) return { openCase: { caseId: starting.case_id, status: null } };
      }
      await tx.run(
        `INSERT INTO contract_cases (contract_key, case_id, claimed_at) VALUES (?, ?, ?)
        ON CONFLICT (contract_key) DO UPDATE SET case_id = excluded.case_id, claimed_at = excluded.claimed_at`,
        [key, caseId, now],
      );
      return {};
    });
  }

  /** Gives up a claim whose case could not be started (Temporal did not answer, say). */
  async releaseClaim(contractId: string, caseId: string): Promise<void> {
    await this.db.run('DELETE FROM contract_cases WHERE contract_key = ? AND case_id = ?', [
      contractKey(contractId),
      caseId,
    ]);
  }

  async settle(
    bulkId: string,
    line: number,
    outcome: 'started' | 'already_started',
    caseId: string,
    now = Date.now(),
  ): Promise<void> {
    await this.db.run('UPDATE bulk_rows SET outcome = ?, case_id = ?, settled_at = ? WHERE bulk_id = ? AND line = ?', [
      outcome,
      caseId,
      now,
      bulkId,
      line,
    ]);
  }

  async finish(bulkId: string, now = Date.now()): Promise<void> {
    await this.db.run('UPDATE bulk_runs SET finished_at = ? WHERE bulk_id = ? AND finished_at IS NULL', [now, bulkId]);
  }

  async get(bulkId: string): Promise<BulkRun | undefined> {
    const run = await this.db.get<{
      bulk_id: string;
      created_by: string;
      created_at: number;
      file_name: string;
      total: number;
      finished_at: number | null;
    }>('SELECT * FROM bulk_runs WHERE bulk_id = ?', [bulkId]);
    if (!run) return undefined;
    const rows = await this.db.all<RowRecord>(
      'SELECT line, contract_id, outcome, case_id, problems_json FROM bulk_rows WHERE bulk_id = ? ORDER BY line',
      [bulkId],
    );
    const counts: Record<BulkOutcome, number> = { pending: 0, started: 0, already_started: 0, refused: 0 };
    for (const row of rows) counts[row.outcome as BulkOutcome] += 1;
    return {
      bulkId: run.bulk_id,
      createdBy: run.created_by,
      createdAt: Number(run.created_at),
      fileName: run.file_name,
      total: Number(run.total),
      ...(run.finished_at !== null ? { finishedAt: Number(run.finished_at) } : {}),
      counts,
      rows: rows.map((r) => ({
        line: Number(r.line),
        contractId: r.contract_id,
        outcome: r.outcome as BulkOutcome,
        ...(r.case_id && r.outcome !== 'pending' ? { caseId: r.case_id } : {}),
        ...(r.problems_json
          ? {
              problems: JSON.parse(
                this.seal.open(r.problems_json, BOUND.problems(bulkId, Number(r.line))),
              ) as BulkRowState['problems'],
            }
          : {}),
      })),
    };
  }
}

/** The case holding a contract: the latest one started for it, unless cancelled; else any case of the record. */
async function heldBy(db: SqlExecutor, key: string): Promise<string | undefined> {
  const claim = await db.get<{ case_id: string; status: string | null }>(
    'SELECT c.case_id, k.status FROM contract_cases c LEFT JOIN cases k ON k.case_id = c.case_id WHERE c.contract_key = ?',
    [key],
  );
  if (claim && claim.status !== 'cancelled') return claim.case_id;
  const recorded = await db.get<{ case_id: string }>(
    "SELECT case_id FROM cases WHERE lower(trim(contract_id)) = ? AND status <> 'cancelled' ORDER BY created_at DESC LIMIT 1",
    [key],
  );
  return recorded?.case_id;
}
