import type Database from 'better-sqlite3';
import { openStoreDatabase, PreparedStatements } from './store-database';
import type { CaseState } from '../../domain/case-state';
import { openTaskOf } from '../../domain/case-state';
import type { CaseFilter, CaseRecord, CaseRecordStore, CaseSummary, StatementRecord } from './case-record-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  vendor_name TEXT NOT NULL,
  contract_id TEXT NOT NULL,
  open_task TEXT,
  open_task_gen INTEGER,
  due_at INTEGER,
  overdue INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  state_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_status ON cases(status);
CREATE INDEX IF NOT EXISTS cases_vendor ON cases(vendor_name);
CREATE TABLE IF NOT EXISTS case_events (
  case_id TEXT NOT NULL REFERENCES cases(case_id),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  summary TEXT NOT NULL,
  detail_json TEXT,
  PRIMARY KEY (case_id, seq)
);
CREATE TABLE IF NOT EXISTS return_packages (
  case_id TEXT NOT NULL REFERENCES cases(case_id),
  round INTEGER NOT NULL,
  package_id TEXT,
  zip_sha256 TEXT,
  zip_bytes INTEGER,
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  decision TEXT,
  summary_json TEXT NOT NULL,
  PRIMARY KEY (case_id, round)
);
CREATE TABLE IF NOT EXISTS statements (
  statement_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(case_id),
  issued_at INTEGER NOT NULL,
  vendor_name TEXT NOT NULL,
  contract_id TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  signature TEXT NOT NULL,
  key_id TEXT NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_mail (
  message_id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
`;

interface CaseRow {
  case_id: string;
  status: string;
  vendor_name: string;
  contract_id: string;
  open_task: string | null;
  open_task_gen: number | null;
  due_at: number | null;
  overdue: number;
  created_at: number;
  updated_at: number;
  state_json: string;
}

interface StatementRow {
  statement_id: string;
  case_id: string;
  issued_at: number;
  vendor_name: string;
  contract_id: string;
  sha256: string;
  signature: string;
  key_id: string;
  bytes: number;
}

function summaryOf(row: CaseRow): CaseSummary {
  return {
    caseId: row.case_id,
    vendorName: row.vendor_name,
    contractId: row.contract_id,
    status: row.status as CaseSummary['status'],
    ...(row.open_task && row.open_task_gen !== null && row.due_at !== null
      ? { openTask: { kind: row.open_task as NonNullable<CaseSummary['openTask']>['kind'], gen: row.open_task_gen, dueAt: row.due_at } }
      : {}),
    overdue: row.overdue === 1,
    ...(row.due_at !== null ? { dueAt: row.due_at } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const statementOf = (row: StatementRow): StatementRecord => ({
  statementId: row.statement_id,
  caseId: row.case_id,
  issuedAt: row.issued_at,
  vendorName: row.vendor_name,
  contractId: row.contract_id,
  sha256: row.sha256,
  signature: row.signature,
  keyId: row.key_id,
  bytes: row.bytes,
});

export class SqliteCaseRecordStore implements CaseRecordStore {
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;

  constructor(file: string) {
    this.db = openStoreDatabase(file, SCHEMA, { foreignKeys: true });
    this.sql = new PreparedStatements(this.db);
  }

  saveCase(state: CaseState): void {
    const open = openTaskOf(state);
    const write = this.db.transaction(() => {
      const stored = this.sql.get('SELECT version FROM cases WHERE case_id = ?').get(state.caseId) as { version: number } | undefined;
      if (stored && stored.version > state.version) return;
      this.sql.get(`
        INSERT INTO cases (case_id, status, vendor_name, contract_id, open_task, open_task_gen, due_at, overdue, created_at, updated_at, version, state_json)
        VALUES (@caseId, @status, @vendorName, @contractId, @openTask, @openTaskGen, @dueAt, @overdue, @createdAt, @updatedAt, @version, @stateJson)
        ON CONFLICT(case_id) DO UPDATE SET status = excluded.status, vendor_name = excluded.vendor_name, contract_id = excluded.contract_id,
          open_task = excluded.open_task, open_task_gen = excluded.open_task_gen, due_at = excluded.due_at, overdue = excluded.overdue,
          updated_at = excluded.updated_at, version = excluded.version, state_json = excluded.state_json`).run({
        caseId: state.caseId,
        status: state.status,
        vendorName: state.input.vendor.name,
        contractId: state.input.contract.id,
        openTask: open?.kind ?? null,
        openTaskGen: open?.gen ?? null,
        dueAt: open?.dueAt ?? null,
        overdue: open?.overdue ? 1 : 0,
        createdAt: state.createdAt,
        updatedAt: state.updatedAt,
        version: state.version,
        stateJson: JSON.stringify({ ...state, timeline: undefined }),
      });
      const event = this.sql.get(`INSERT OR IGNORE INTO case_events (case_id, seq, at, type, actor, summary, detail_json)
        VALUES (?, ?, ?, ?, ?, ?, ?)`);
      for (const e of state.timeline) event.run(state.caseId, e.seq, e.at, e.type, e.actor, e.summary, e.detail ? JSON.stringify(e.detail) : null);
      const round = this.sql.get(`INSERT INTO return_packages (case_id, round, package_id, zip_sha256, zip_bytes, files, bytes, decision, summary_json)
        VALUES (@caseId, @round, @packageId, @zipSha256, @zipBytes, @files, @bytes, @decision, @summary)
        ON CONFLICT(case_id, round) DO UPDATE SET package_id = excluded.package_id, zip_sha256 = excluded.zip_sha256, zip_bytes = excluded.zip_bytes,
          files = excluded.files, bytes = excluded.bytes, decision = excluded.decision, summary_json = excluded.summary_json`);
      for (const r of state.returnRounds) {
        round.run({ caseId: state.caseId, round: r.round, packageId: r.packageId ?? null, zipSha256: r.zipSha256 ?? null, zipBytes: r.zipBytes ?? null,
          files: r.files, bytes: r.bytes, decision: r.decision?.decision ?? null, summary: JSON.stringify(r) });
      }
      if (state.statement) {
        const s = state.statement;
        this.sql.get(`INSERT OR IGNORE INTO statements (statement_id, case_id, issued_at, vendor_name, contract_id, sha256, signature, key_id, bytes)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(s.statementId, state.caseId, s.issuedAt, state.input.vendor.name, state.input.contract.id, s.sha256, s.signature, s.keyId, s.bytes);
      }
    });
    write();
  }

  getCase(caseId: string): CaseRecord | undefined {
    const row = this.sql.get('SELECT * FROM cases WHERE case_id = ?').get(caseId) as CaseRow | undefined;
    if (!row) return undefined;
    const events = this.sql.get('SELECT * FROM case_events WHERE case_id = ? ORDER BY seq').all(caseId) as {
      seq: number; at: number; type: string; actor: string; summary: string; detail_json: string | null;
    }[];
    const timeline = events.map((e) => ({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, summary: e.summary, ...(e.detail_json ? { detail: JSON.parse(e.detail_json) } : {}) }));
    const rounds = this.sql.get('SELECT summary_json FROM return_packages WHERE case_id = ? ORDER BY round').all(caseId) as { summary_json: string }[];
    const state = { ...(JSON.parse(row.state_json) as CaseState), timeline };
    return { ...summaryOf(row), state, timeline, returnPackages: rounds.map((r) => JSON.parse(r.summary_json)) };
  }

  listCases(filter: CaseFilter = {}): CaseSummary[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status) { where.push('status = ?'); args.push(filter.status); }
    if (filter.vendor) { where.push('vendor_name LIKE ? ESCAPE \'\\\''); args.push(`%${filter.vendor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`); }
    if (filter.overdue !== undefined) { where.push('overdue = ?'); args.push(filter.overdue ? 1 : 0); }
    const sql = `SELECT * FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC`;
    return (this.sql.get(sql).all(...args) as CaseRow[]).map(summaryOf);
  }

  getStatement(statementId: string): StatementRecord | undefined {
    const row = this.sql.get('SELECT * FROM statements WHERE statement_id = ?').get(statementId) as StatementRow | undefined;
    return row ? statementOf(row) : undefined;
  }

  findStatementBySha256(sha256: string): StatementRecord | undefined {
    const row = this.sql.get('SELECT * FROM statements WHERE sha256 = ?').get(sha256) as StatementRow | undefined;
    return row ? statementOf(row) : undefined;
  }

  mailSent(messageId: string): boolean {
    return this.sql.get('SELECT 1 FROM sent_mail WHERE message_id = ?').get(messageId) !== undefined;
  }

  recordMailSent(messageId: string, caseId: string, kind: string): void {
    this.sql.get('INSERT OR IGNORE INTO sent_mail (message_id, case_id, kind, sent_at) VALUES (?, ?, ?, ?)').run(messageId, caseId, kind, Date.now());
  }

  close(): void {
    this.db.close();
  }
}
