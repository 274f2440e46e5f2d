// The case record over SQL (SQLite or PostgreSQL): the case row, its timeline, its return rounds, its statement.
import type { CaseState, LegalHold, TimelineEvent, ReturnPackageSummary } from '../../domain/case-state';
import { applyRecordChange, type CaseRecordChange, type RecordedState } from '../../domain/record-change';
import { caseDue, openTaskOf } from '../../domain/case-state';
import { DAY_MS } from '../../domain/durations';
import { enforcementStage, type EnforcementStage } from '../../domain/enforcement';
import { CASE_STATUSES, type CaseStatus } from '../../domain/statuses';
import {
  BadCursorError,
  type DestructionDecided,
  type CaseDashboard,
  type CaseMessage,
  type CaseFilter,
  type CasePage,
  type CasePageRequest,
  type CaseRecord,
  type CaseRecordStore,
  type CaseSort,
  type CaseSummary,
  type StatementRecord,
} from './case-record-store';
import { FieldSeal } from '../keys/field-seal';
import { NO_DUE_TIME } from './migrations';
import { inBatches, type SqlDatabase, type SqlTransaction } from './sql-database';

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
  enforcement?: string;
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
  certificate_fingerprint: string | null;
}

function summaryOf(row: CaseRow): CaseSummary {
  return {
    caseId: row.case_id,
    vendorName: row.vendor_name,
    contractId: row.contract_id,
    status: row.status as CaseSummary['status'],
    ...(row.open_task && row.open_task_gen !== null && row.due_at !== null
      ? {
          openTask: {
            kind: row.open_task as NonNullable<CaseSummary['openTask']>['kind'],
            gen: row.open_task_gen,
            dueAt: row.due_at,
          },
        }
      : {}),
    overdue: row.overdue === 1,
    ...(row.due_at !== null ? { dueAt: row.due_at } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    enforcement: (row.enforcement ?? 'none') as EnforcementStage,
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
  ...(row.certificate_fingerprint ? { certificate: row.certificate_fingerprint } : {}),
});

const SAVE_CASE = `
  INSERT INTO cases (case_id, status, status_rank, vendor_name, contract_id, open_task, open_task_gen, due_at, overdue, created_at, updated_at, closed_at, version, state_json, enforcement)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, status_rank = excluded.status_rank, vendor_name = excluded.vendor_name, contract_id = excluded.contract_id,
    open_task = excluded.open_task, open_task_gen = excluded.open_task_gen, due_at = excluded.due_at, overdue = excluded.overdue,
    updated_at = excluded.updated_at, closed_at = excluded.closed_at, version = excluded.version, state_json = excluded.state_json, enforcement = excluded.enforcement`;
const SAVE_EVENT = `INSERT INTO case_events (case_id, seq, at, type, actor, summary, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (case_id, seq) DO NOTHING`;
const SAVE_ROUND = `
  INSERT INTO return_packages (case_id, round, package_id, zip_sha256, zip_bytes, files, bytes, decision, summary_json)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (case_id, round) DO UPDATE SET package_id = excluded.package_id, zip_sha256 = excluded.zip_sha256, zip_bytes = excluded.zip_bytes,
    files = excluded.files, bytes = excluded.bytes, decision = excluded.decision, summary_json = excluded.summary_json`;
const SAVE_STATEMENT = `INSERT INTO statements (statement_id, case_id, issued_at, vendor_name, contract_id, sha256, signature, key_id, bytes, certificate_fingerprint)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (statement_id) DO NOTHING`;

/** When a closed case closed: its statement's issue, or its cancellation. */
function closedAt(state: RecordedState): number | null {
  if (state.status === 'completed') return state.statement?.issuedAt ?? state.updatedAt;
  if (state.status === 'cancelled') return state.cancellation?.at ?? state.updatedAt;
  return null;
}

const SUMMARY_COLUMNS =
  'case_id, status, vendor_name, contract_id, open_task, open_task_gen, due_at, overdue, created_at, updated_at, enforcement';
const DUE = `COALESCE(due_at, ${NO_DUE_TIME})`;

function filterSql(filter: CaseFilter): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.status) {
    where.push('status = ?');
    args.push(filter.status);
  }
  // lower() on both sides: SQLite's LIKE ignores case and PostgreSQL's does not.
  if (filter.vendor) {
    where.push("lower(vendor_name) LIKE lower(?) ESCAPE '\\'");
    args.push(`%${filter.vendor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (filter.overdue !== undefined) {
    where.push('overdue = ?');
    args.push(filter.overdue ? 1 : 0);
  }
  if (filter.enforcement) {
    where.push('enforcement = ?');
    args.push(filter.enforcement);
  }
  return { where, args };
}

type Key = (number | string)[];
type PagedRow = CaseRow & { status_rank: number; vendor_key: string };

/** Each order: its ORDER BY, the row's key in that order, and "after this key" as SQL (the keyset condition). */
const ORDERS: Record<
  CaseSort,
  {
    orderBy: string;
    keys: ('number' | 'string')[];
    keyOf(row: PagedRow): Key;
    after(key: Key): { sql: string; args: unknown[] };
  }
> = {
  created: {
    orderBy: 'created_at DESC, case_id DESC',
    keys: ['number', 'string'],
    keyOf: (row) => [row.created_at, row.case_id],
    // Row values: both engines walk the index from the key (PostgreSQL does not, for the same test spelt with OR).
    after: ([at, id]) => ({ sql: '(created_at, case_id) < (?, ?)', args: [at, id] }),
  },
  due: {
    orderBy: `${DUE}, case_id`,
    keys: ['number', 'string'],
    keyOf: (row) => [row.due_at ?? NO_DUE_TIME, row.case_id],
    after: ([due, id]) => ({ sql: `(${DUE}, case_id) > (?, ?)`, args: [due, id] }),
  },
  vendor: {
    // The key is the database's own lower(): SQLite folds ASCII only, PostgreSQL every letter.
    orderBy: 'lower(vendor_name), case_id',
    keys: ['string', 'string'],
    keyOf: (row) => [row.vendor_key, row.case_id],
    after: ([vendor, id]) => ({ sql: '(lower(vendor_name), case_id) > (?, ?)', args: [vendor, id] }),
  },
  status: {
    orderBy: 'status_rank, created_at DESC, case_id DESC',
    keys: ['number', 'number', 'string'],
    keyOf: (row) => [row.status_rank, row.created_at, row.case_id],
    after: ([rank, at, id]) => ({
      sql: '(status_rank > ? OR (status_rank = ? AND (created_at < ? OR (created_at = ? AND case_id < ?))))',
      args: [rank, rank, at, at, id],
    }),
  },
};

const encodeCursor = (sort: CaseSort, key: Key): string =>
  Buffer.from(JSON.stringify({ s: sort, k: key })).toString('base64url');

function decodeCursor(cursor: string, sort: CaseSort, kinds: ('number' | 'string')[]): Key {
  try {
    const { s, k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (
      s === sort &&
      Array.isArray(k) &&
      k.length === kinds.length &&
      k.every((v, i) => typeof v === kinds[i] && (typeof v !== 'number' || Number.isSafeInteger(v)))
    )
      return k as Key;
  } catch {
    // not ours
  }
  throw new BadCursorError(`cursor: not one this list gave for sort=${sort}; start again without it`);
}

/**
 * Where each sealed column's value belongs (see field-seal.ts): the case's state (contacts, signatories, notes),
 * its timeline's sentences and details, its return rounds (file names), and its messages' recipients, SMTP
 * answers and raw mail. What lists and sorts cases (status, vendor, contract, dates) stays in the clear.
 */
const BOUND = {
  state: (caseId: string) => `case|${caseId}|state`,
  eventSummary: (caseId: string, seq: number) => `case|${caseId}|event|${seq}|summary`,
  eventDetail: (caseId: string, seq: number) => `case|${caseId}|event|${seq}|detail`,
  round: (caseId: string, round: number) => `case|${caseId}|round|${round}`,
  holdReason: (caseId: string, seq: number) => `case|${caseId}|legal-hold|${seq}|reason`,
  recipients: (messageId: string) => `message|${messageId}|recipients`,
  messageDetail: (messageId: string) => `message|${messageId}|detail`,
  eml: (messageId: string) => `message|${messageId}|eml`,
};

/** Writes the case row, the new timeline events and, when they moved, the return rounds and the statement. */
async function writeCase(
  tx: SqlTransaction,
  seal: FieldSeal,
  state: RecordedState,
  events: TimelineEvent[],
  moved: Set<string>,
): Promise<void> {
  const open = openTaskOf(state);
  const due = caseDue(state);
  const id = state.caseId;
  await tx.run(SAVE_CASE, [
    id,
    state.status,
    CASE_STATUSES.indexOf(state.status),
    state.input.vendor.name,
    state.input.contract.id,
    open?.kind ?? null,
    open?.gen ?? null,
    due?.dueAt ?? null,
    due?.overdue ? 1 : 0,
    state.createdAt,
    state.updatedAt,
    closedAt(state),
    state.version,
    seal.seal(JSON.stringify(state), BOUND.state(id)),
    enforcementStage(state),
  ]);
  for (const e of events) {
    await tx.run(SAVE_EVENT, [
      id,
      e.seq,
      e.at,
      e.type,
      e.actor,
      seal.seal(e.summary, BOUND.eventSummary(id, e.seq)),
      e.detail ? seal.seal(JSON.stringify(e.detail), BOUND.eventDetail(id, e.seq)) : null,
    ]);
  }
  if (moved.has('returnRounds')) {
    for (const r of state.returnRounds) {
      await tx.run(SAVE_ROUND, [
        id,
        r.round,
        r.packageId ?? null,
        r.zipSha256 ?? null,
        r.zipBytes ?? null,
        r.files,
        r.bytes,
        r.decision?.decision ?? null,
        seal.seal(JSON.stringify(r), BOUND.round(id, r.round)),
      ]);
    }
  }
  if (moved.has('statement') && state.statement) {
    const s = state.statement;
    await tx.run(SAVE_STATEMENT, [
      s.statementId,
      state.caseId,
      s.issuedAt,
      state.input.vendor.name,
      state.input.contract.id,
      s.sha256,
      s.signature,
      s.keyId,
      s.bytes,
      s.certificate ?? null,
    ]);
  }
}

export class SqlCaseRecordStore implements CaseRecordStore {
  private fieldSeal?: FieldSeal;

  constructor(private readonly db: SqlDatabase) {}

  /** The keyring's file key seals the record's personal data; until it is given, the record is neither read nor written. */
  sealWith(seal: FieldSeal): void {
    this.fieldSeal = seal;
  }

  private get seal(): FieldSeal {
    if (!this.fieldSeal)
      throw new Error(
        "the case record seals personal data with the keyring's file key: open the keyring and bind it to the stores (stores.bindKeyring) first",
      );
    return this.fieldSeal;
  }

  /**
   * Seals what was written in the clear before sealing (a database from an earlier version), in batches, each
   * row only if it is still as read. Answers how many values it sealed.
   */
  async sealEarlierRows(): Promise<number> {
    const seal = this.seal;
    const db = this.db;
    const clear = (column: string) => `${column} NOT LIKE '~s1~%'`;
    let sealed = await inBatches<{ case_id: string; state_json: string }>(
      db,
      `SELECT case_id, state_json FROM cases WHERE ${clear('state_json')} LIMIT ?`,
      async (r) =>
        (
          await db.run('UPDATE cases SET state_json = ? WHERE case_id = ? AND state_json = ?', [
            seal.seal(r.state_json, BOUND.state(r.case_id)),
            r.case_id,
            r.state_json,
          ])
        ).changes,
    );
    sealed += await inBatches<{ case_id: string; seq: number; summary: string; detail_json: string | null }>(
      db,
      `SELECT case_id, seq, summary, detail_json FROM case_events WHERE ${clear('summary')} OR (detail_json IS NOT NULL AND ${clear('detail_json')}) LIMIT ?`,
      async (r) => {
        const seq = Number(r.seq);
        return (
          await db.run(
            'UPDATE case_events SET summary = ?, detail_json = ? WHERE case_id = ? AND seq = ? AND summary = ?',
            [
              seal.sealIfClear(r.summary, BOUND.eventSummary(r.case_id, seq)),
              seal.sealIfClear(r.detail_json, BOUND.eventDetail(r.case_id, seq)),
              r.case_id,
              seq,
              r.summary,
            ],
          )
        ).changes;
      },
    );
    sealed += await inBatches<{ case_id: string; round: number; summary_json: string }>(
      db,
      `SELECT case_id, round, summary_json FROM return_packages WHERE ${clear('summary_json')} LIMIT ?`,
      async (r) =>
        (
          await db.run(
            'UPDATE return_packages SET summary_json = ? WHERE case_id = ? AND round = ? AND summary_json = ?',
            [seal.seal(r.summary_json, BOUND.round(r.case_id, Number(r.round))), r.case_id, r.round, r.summary_json],
          )
        ).changes,
    );
    sealed += await inBatches<{
      message_id: string;
      recipients: string;
      detail: string;
      eml: Buffer | Uint8Array | null;
    }>(
      db,
      `SELECT message_id, recipients, detail, eml FROM case_messages WHERE ${clear('recipients')} LIMIT ?`,
      async (r) => {
        const eml =
          r.eml === null
            ? null
            : FieldSeal.isSealedBytes(Buffer.from(r.eml))
              ? Buffer.from(r.eml)
              : seal.sealBytes(Buffer.from(r.eml), BOUND.eml(r.message_id));
        return (
          await db.run(
            'UPDATE case_messages SET recipients = ?, detail = ?, eml = ? WHERE message_id = ? AND recipients = ?',
            [
              seal.seal(r.recipients, BOUND.recipients(r.message_id)),
              seal.sealIfClear(r.detail, BOUND.messageDetail(r.message_id)),
              eml,
              r.message_id,
              r.recipients,
            ],
          )
        ).changes;
      },
    );
    return sealed;
  }

  async saveCase(state: CaseState): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.lock(`case ${state.caseId}`);
      const stored = await tx.get<{ version: number; events: number }>(
        'SELECT version, (SELECT COUNT(*) FROM case_events e WHERE e.case_id = cases.case_id) AS events FROM cases WHERE case_id = ?',
        [state.caseId],
      );
      if (stored && stored.version > state.version) return; // an older write arriving late
      const { timeline, ...recorded } = state;
      await writeCase(
        tx,
        this.seal,
        recorded,
        timeline.slice(stored?.events ?? 0),
        new Set(['returnRounds', 'statement']),
      );
    });
  }

  async saveCaseChange(
    change: CaseRecordChange,
  ): Promise<{ outcome: 'written'; state: RecordedState } | { outcome: 'stale' | 'behind' }> {
    return this.db.transaction(async (tx) => {
      await tx.lock(`case ${change.caseId}`);
      const stored = await tx.get<{ version: number; events: number; state_json: string }>(
        'SELECT version, state_json, (SELECT COUNT(*) FROM case_events e WHERE e.case_id = cases.case_id) AS events FROM cases WHERE case_id = ?',
        [change.caseId],
      );
      if (stored && stored.version > change.version) return { outcome: 'stale' as const }; // an older write arriving late
      if (change.since > 0 && (!stored || stored.version < change.since || stored.events < change.eventsFrom))
        return { outcome: 'behind' as const };
      const recorded = applyRecordChange(
        stored
          ? (JSON.parse(this.seal.open(stored.state_json, BOUND.state(change.caseId))) as RecordedState)
          : undefined,
        change,
      );
      // The timeline only grows: write the events the record does not have yet.
      const events = change.events.slice(Math.max(0, (stored?.events ?? 0) - change.eventsFrom));
      await writeCase(tx, this.seal, recorded, events, new Set(Object.keys(change.set)));
      return { outcome: 'written' as const, state: recorded };
    });
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const seal = this.seal;
    const row = await this.db.get<CaseRow>('SELECT * FROM cases WHERE case_id = ?', [caseId]);
    if (!row) return undefined;
    const events = await this.db.all<{
      seq: number;
      at: number;
      type: string;
      actor: string;
      summary: string;
      detail_json: string | null;
    }>('SELECT * FROM case_events WHERE case_id = ? ORDER BY seq', [caseId]);
    const timeline = events.map((e) => ({
      seq: e.seq,
      at: e.at,
      type: e.type,
      actor: e.actor,
      summary: seal.open(e.summary, BOUND.eventSummary(caseId, Number(e.seq))),
      ...(e.detail_json
        ? {
            detail: JSON.parse(seal.open(e.detail_json, BOUND.eventDetail(caseId, Number(e.seq)))) as Record<
              string,
              unknown
            >,
          }
        : {}),
    }));
    const rounds = await this.db.all<{ round: number; summary_json: string }>(
      'SELECT round, summary_json FROM return_packages WHERE case_id = ? ORDER BY round',
      [caseId],
    );
    const state = { ...(JSON.parse(seal.open(row.state_json, BOUND.state(caseId))) as CaseState), timeline };
    // The hold is the record's own fact (setLegalHold), not the workflow's: whatever the state last said, this is it.
    state.legalHold = await this.holdsOf(this.db, caseId, state.legalHold);
    return {
      ...summaryOf(row),
      state,
      timeline,
      returnPackages: rounds.map(
        (r) => JSON.parse(seal.open(r.summary_json, BOUND.round(caseId, Number(r.round)))) as ReturnPackageSummary,
      ),
    };
  }

  async listCases(filter: CaseFilter = {}): Promise<CaseSummary[]> {
    const { where, args } = filterSql(filter);
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, case_id DESC`;
    return (await this.db.all<CaseRow>(sql, args)).map(summaryOf);
  }

  async pageCases(filter: CaseFilter, page: CasePageRequest): Promise<CasePage> {
    const { where, args } = filterSql(filter);
    const order = ORDERS[page.sort];
    if (page.cursor) {
      const after = order.after(decodeCursor(page.cursor, page.sort, order.keys));
      where.push(after.sql);
      args.push(...after.args);
    }
    const sql = `SELECT ${SUMMARY_COLUMNS}, status_rank, lower(vendor_name) AS vendor_key FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order.orderBy} LIMIT ?`;
    const rows = await this.db.all<PagedRow>(sql, [...args, page.limit + 1]);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      cases: shown.map(summaryOf),
      ...(rows.length > page.limit && last ? { nextCursor: encodeCursor(page.sort, order.keyOf(last)) } : {}),
    };
  }

  async dashboard(now: number): Promise<CaseDashboard> {
    const byStatus = Object.fromEntries(CASE_STATUSES.map((status) => [status, 0])) as CaseDashboard['byStatus'];
    for (const row of await this.db.all<{ status: CaseStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM cases GROUP BY status',
    ))
      byStatus[row.status] = Number(row.n);
    const today = new Date(now);
    const monthStart = (back: number): number => Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1);
    const counts = await this.db.get<{
      overdue: number | null;
      due_week: number | null;
      completed_month: number | null;
    }>(
      `SELECT SUM(CASE WHEN overdue = 1 THEN 1 ELSE 0 END) AS overdue,
              SUM(CASE WHEN due_at >= ? AND due_at < ? THEN 1 ELSE 0 END) AS due_week,
              SUM(CASE WHEN status = 'completed' AND closed_at >= ? THEN 1 ELSE 0 END) AS completed_month
       FROM cases`,
      [now, now + 7 * DAY_MS, monthStart(0)],
    );
    // Twelve months in one pass: a started and a closed count for each month's bounds.
    const bounds = Array.from({ length: 12 }, (_, i) => [monthStart(11 - i), monthStart(10 - i)] as const);
    const sums = bounds.flatMap((_, i) => [
      `SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS o${i}`,
      `SUM(CASE WHEN closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END) AS c${i}`,
    ]);
    const months = await this.db.get<Record<string, number | null>>(
      `SELECT ${sums.join(', ')} FROM cases WHERE created_at >= ? OR closed_at >= ?`,
      [...bounds.flatMap(([from, to]) => [from, to, from, to]), bounds[0]![0], bounds[0]![0]],
    );
    return {
      byStatus,
      overdue: Number(counts?.overdue ?? 0),
      dueThisWeek: Number(counts?.due_week ?? 0),
      completedThisMonth: Number(counts?.completed_month ?? 0),
      months: bounds.map(([from], i) => ({
        month: new Date(from).toISOString().slice(0, 7),
        opened: Number(months?.[`o${i}`] ?? 0),
        closed: Number(months?.[`c${i}`] ?? 0),
      })),
    };
  }

  async recordMessage(m: Omit<CaseMessage, 'attempts'>): Promise<void> {
    const seal = this.seal;
    await this.db.run(
      `INSERT INTO case_messages (message_id, case_id, kind, audience, recipients, subject, attempted_at, attempts, outcome, detail, eml)
      VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
      ON CONFLICT (message_id) DO UPDATE SET attempted_at = excluded.attempted_at, attempts = case_messages.attempts + 1, outcome = excluded.outcome,
        detail = excluded.detail, eml = COALESCE(excluded.eml, case_messages.eml)`,
      [
        m.messageId,
        m.caseId,
        m.kind,
        m.audience,
        seal.seal(JSON.stringify(m.recipients), BOUND.recipients(m.messageId)),
        m.subject,
        m.attemptedAt,
        m.outcome,
        seal.seal(m.detail.slice(0, 2000), BOUND.messageDetail(m.messageId)),
        m.eml ? seal.sealBytes(m.eml, BOUND.eml(m.messageId)) : null,
      ],
    );
  }

  async listMessages(caseId: string): Promise<CaseMessage[]> {
    const rows = await this.db.all<{
      message_id: string;
      case_id: string;
      kind: string;
      audience: string;
      recipients: string;
      subject: string;
      attempted_at: number;
      attempts: number;
      outcome: string;
      detail: string;
      eml: Buffer | Uint8Array | null;
    }>('SELECT * FROM case_messages WHERE case_id = ? ORDER BY attempted_at, message_id', [caseId]);
    const seal = this.seal;
    return rows.map((r) => ({
      messageId: r.message_id,
      caseId: r.case_id,
      kind: r.kind,
      audience: r.audience as CaseMessage['audience'],
      recipients: JSON.parse(seal.open(r.recipients, BOUND.recipients(r.message_id))) as string[],
      subject: r.subject,
      attemptedAt: Number(r.attempted_at),
      attempts: Number(r.attempts),
      outcome: r.outcome as CaseMessage['outcome'],
      detail: seal.open(r.detail, BOUND.messageDetail(r.message_id)),
      ...(r.eml ? { eml: seal.openBytes(Buffer.from(r.eml), BOUND.eml(r.message_id)) } : {}),
    }));
  }

  async getStatement(statementId: string): Promise<StatementRecord | undefined> {
    const row = await this.db.get<StatementRow>('SELECT * FROM statements WHERE statement_id = ?', [statementId]);
    return row ? statementOf(row) : undefined;
  }

  async findStatementBySha256(sha256: string): Promise<StatementRecord | undefined> {
    const row = await this.db.get<StatementRow>('SELECT * FROM statements WHERE sha256 = ?', [sha256]);
    return row ? statementOf(row) : undefined;
  }

  /** The hold's rows, or (none written yet) what the case's state said before the hold had a table. */
  private async holdsOf(
    db: Pick<SqlDatabase, 'all' | 'get'>,
    caseId: string,
    fromState?: LegalHold[],
  ): Promise<LegalHold[]> {
    const rows = await db.all<{ seq: number; on_hold: number; reason: string; actor: string; at: number }>(
      'SELECT * FROM legal_holds WHERE case_id = ? ORDER BY seq',
      [caseId],
    );
    if (rows.length > 0)
      return rows.map((r) => ({
        on: Number(r.on_hold) === 1,
        reason: this.seal.open(r.reason, BOUND.holdReason(caseId, Number(r.seq))),
        by: r.actor,
        at: Number(r.at),
      }));
    if (fromState) return fromState;
    const row = await db.get<{ state_json: string }>('SELECT state_json FROM cases WHERE case_id = ?', [caseId]);
    return row ? ((JSON.parse(this.seal.open(row.state_json, BOUND.state(caseId))) as CaseState).legalHold ?? []) : [];
  }

  async legalHolds(caseId: string): Promise<LegalHold[]> {
    return this.holdsOf(this.db, caseId);
  }

  async setLegalHold(
    caseId: string,
    hold: LegalHold,
  ): Promise<
    { history: LegalHold[]; destructionsBegun: DestructionDecided[] } | { repeated: true } | { refused: string }
  > {
    return this.db.transaction(async (tx) => {
      await tx.lock(`legal hold ${caseId}`);
      const history = await this.holdsOf(tx, caseId);
      const last = history.at(-1);
      if (last && last.on === hold.on && last.reason === hold.reason && last.by === hold.by)
        return { repeated: true as const };
      if ((last?.on ?? false) === hold.on) return { refused: `the legal hold is already ${hold.on ? 'on' : 'off'}` };
      const table = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM legal_holds WHERE case_id = ?', [caseId]))!;
      // The first hold written here carries the ones the case's state held before, so the table is the whole story.
      const rows = Number(table.n) === 0 ? [...history, hold] : [hold];
      let seq = Number(table.n) === 0 ? 0 : history.length;
      for (const h of rows) {
        seq += 1;
        await tx.run('INSERT INTO legal_holds (case_id, seq, on_hold, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)', [
          caseId,
          seq,
          h.on ? 1 : 0,
          this.seal.seal(h.reason, BOUND.holdReason(caseId, seq)),
          h.by,
          h.at,
        ]);
      }
      const begun = await tx.all<{ what: string; decided_at: number }>(
        'SELECT what, decided_at FROM destructions WHERE case_id = ? ORDER BY decided_at',
        [caseId],
      );
      return {
        history: [...history, hold],
        destructionsBegun: begun.map((d) => ({ what: d.what, at: Number(d.decided_at) })),
      };
    });
  }

  async claimDestruction(
    caseId: string,
    what: string,
    at = Date.now(),
  ): Promise<{ held: LegalHold } | { claimed: DestructionDecided }> {
    return this.db.transaction(async (tx) => {
      await tx.lock(`legal hold ${caseId}`);
      const last = (await this.holdsOf(tx, caseId)).at(-1);
      if (last?.on) return { held: last };
      await tx.run(
        'INSERT INTO destructions (case_id, what, decided_at) VALUES (?, ?, ?) ON CONFLICT (case_id, what) DO NOTHING',
        [caseId, what, at],
      );
      const decided = (await tx.get<{ decided_at: number }>(
        'SELECT decided_at FROM destructions WHERE case_id = ? AND what = ?',
        [caseId, what],
      ))!;
      return { claimed: { what, at: Number(decided.decided_at) } };
    });
  }

  async mailSent(messageId: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 AS sent FROM sent_mail WHERE message_id = ?', [messageId])) !== undefined;
  }

  async recordMailSent(messageId: string, caseId: string, kind: string): Promise<void> {
    await this.db.run(
      'INSERT INTO sent_mail (message_id, case_id, kind, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING',
      [messageId, caseId, kind, Date.now()],
    );
  }
}
