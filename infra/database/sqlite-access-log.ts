import type Database from 'better-sqlite3';
import { openStoreDatabase, PreparedStatements } from './store-database';
import { entryHash, GENESIS, type AccessEntry, type AccessEntryInput, type AccessLog, type AccessQuery, type ChainVerdict, type IntrusionEvent, type IntrusionInput } from './access-log';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  case_id TEXT,
  outcome TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_case ON access_log(case_id, seq);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log(at);
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TABLE IF NOT EXISTS intrusion_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  path TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS intrusion_events_at ON intrusion_events(at);
CREATE INDEX IF NOT EXISTS intrusion_events_ip ON intrusion_events(ip, at);
`;

interface Row {
  seq: number; at: number; actor: string; role: string; action: string; case_id: string | null; outcome: string; ip: string; user_agent: string; prev_hash: string; hash: string;
}

const entryOf = (r: Row): AccessEntry => ({
  seq: r.seq, at: r.at, actor: r.actor, role: r.role, action: r.action, caseId: r.case_id, outcome: r.outcome, ip: r.ip, userAgent: r.user_agent, prevHash: r.prev_hash, hash: r.hash,
});

export class SqliteAccessLog implements AccessLog {
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;
  private readonly appendTx: (entry: AccessEntryInput) => AccessEntry;

  constructor(file: string) {
    this.db = openStoreDatabase(file, SCHEMA);
    this.sql = new PreparedStatements(this.db);
    const last = this.db.prepare('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1');
    const insert = this.db.prepare(`INSERT INTO access_log (seq, at, actor, role, action, case_id, outcome, ip, user_agent, prev_hash, hash)
      VALUES (@seq, @at, @actor, @role, @action, @caseId, @outcome, @ip, @userAgent, @prevHash, @hash)`);
    // IMMEDIATE: the worker, the server and the CLI append to one chain without forking it.
    const tx = this.db.transaction((input: AccessEntryInput) => {
      const previous = last.get() as { seq: number; hash: string } | undefined;
      const base = {
        seq: (previous?.seq ?? 0) + 1,
        at: input.at ?? Date.now(),
        actor: input.actor.slice(0, 200),
        role: input.role.slice(0, 40),
        action: input.action.slice(0, 200),
        caseId: input.caseId ?? null,
        outcome: input.outcome.slice(0, 200),
        ip: (input.ip ?? '').slice(0, 64),
        userAgent: (input.userAgent ?? '').slice(0, 300),
      };
      const prevHash = previous?.hash ?? GENESIS;
      const entry: AccessEntry = { ...base, prevHash, hash: entryHash(prevHash, base) };
      insert.run(entry);
      return entry;
    });
    this.appendTx = (entry) => tx.immediate(entry);
  }

  append(entry: AccessEntryInput): AccessEntry {
    return this.appendTx(entry);
  }

  list(query: AccessQuery = {}): AccessEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.caseId) { where.push('case_id = ?'); args.push(query.caseId); }
    if (query.from !== undefined) { where.push('at >= ?'); args.push(query.from); }
    if (query.to !== undefined) { where.push('at <= ?'); args.push(query.to); }
    return (this.sql.get(`SELECT * FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`).all(...args) as Row[]).map(entryOf);
  }

  caseHead(caseId: string): string | undefined {
    return (this.sql.get('SELECT hash FROM access_log WHERE case_id = ? ORDER BY seq DESC LIMIT 1').get(caseId) as { hash: string } | undefined)?.hash;
  }

  verify(): ChainVerdict {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    let entries = 0;
    for (const row of this.db.prepare('SELECT * FROM access_log ORDER BY seq').iterate() as Iterable<Row>) {
      const entry = entryOf(row);
      entries += 1;
      if (entry.seq !== expectedSeq) return { ok: false, entries, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      if (entry.prevHash !== prevHash) return { ok: false, entries, brokenAt: entry.seq, reason: `entry ${entry.seq} does not follow the entry before it` };
      const { hash: _h, prevHash: _p, ...fields } = entry;
      if (entryHash(prevHash, fields) !== entry.hash) return { ok: false, entries, brokenAt: entry.seq, reason: `entry ${entry.seq} was altered` };
      prevHash = entry.hash;
      expectedSeq += 1;
    }
    return { ok: true, entries, head: prevHash };
  }

  recordIntrusion(event: IntrusionInput): IntrusionEvent {
    const row = { at: event.at ?? Date.now(), kind: event.kind, ip: event.ip.slice(0, 64), userAgent: (event.userAgent ?? '').slice(0, 300), path: event.path.slice(0, 300), reason: event.reason.slice(0, 500) };
    const info = this.sql.get('INSERT INTO intrusion_events (at, kind, ip, user_agent, path, reason) VALUES (@at, @kind, @ip, @userAgent, @path, @reason)').run(row);
    return { id: Number(info.lastInsertRowid), ...row };
  }

  intrusions(query: { from?: number; to?: number; ip?: string }): IntrusionEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.from !== undefined) { where.push('at >= ?'); args.push(query.from); }
    if (query.to !== undefined) { where.push('at <= ?'); args.push(query.to); }
    if (query.ip) { where.push('ip = ?'); args.push(query.ip); }
    return (this.sql.get(`SELECT id, at, kind, ip, user_agent AS userAgent, path, reason FROM intrusion_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id`).all(...args) as IntrusionEvent[]);
  }

  close(): void {
    this.db.close();
  }
}
