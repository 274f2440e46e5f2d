// The access log and the intrusion events over SQL. Appends from any number of servers and workers form one
// chain: each append holds the log's lock while it reads the head and writes the next entry.
import {
  entryHash,
  GENESIS,
  intrusionHash,
  type AccessEntry,
  type AccessEntryInput,
  type AccessLog,
  type AccessQuery,
  type AuditHeads,
  type ChainVerdict,
  type IntrusionEvent,
  type IntrusionCounts,
  type IntrusionInput,
  type IntrusionVerdict,
} from './access-log';
import type { SqlDatabase } from './sql-database';
import { isCaseId, redactLinkTokens } from '../../domain/ids';
import type { AccessLogAnchor } from './access-log-anchor';
import { FieldSeal } from '../keys/field-seal';

/**
 * Where an intrusion's reason is sealed: after the hash of the event before it, unique to each event, so a sealed
 * reason copied onto another event does not open there.
 */
const reasonBinding = (prevHash: string): string => `intrusion|${prevHash}|reason`;

interface Row {
  seq: number;
  at: number;
  actor: string;
  role: string;
  action: string;
  case_id: string | null;
  outcome: string;
  ip: string;
  user_agent: string;
  prev_hash: string;
  hash: string;
}

const entryOf = (r: Row): AccessEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  role: r.role,
  action: r.action,
  caseId: r.case_id,
  outcome: r.outcome,
  ip: r.ip,
  userAgent: r.user_agent,
  prevHash: r.prev_hash,
  hash: r.hash,
});

const VERIFY_PAGE = 2_000;

interface Waiting {
  input: AccessEntryInput;
  resolve(entry: AccessEntry): void;
  reject(err: unknown): void;
}

const BATCH = 200;

export class SqlAccessLog implements AccessLog {
  private waiting: Waiting[] = [];
  private writing = false;
  private anchor?: AccessLogAnchor;
  private fieldSeal?: FieldSeal;

  constructor(private readonly db: SqlDatabase) {}

  /** Intrusion reasons name what was refused (a signatory's address, a file's name): sealed with the file key. */
  sealWith(seal: FieldSeal): void {
    this.fieldSeal = seal;
  }

  private get seal(): FieldSeal {
    if (!this.fieldSeal)
      throw new Error(
        "intrusion reasons are sealed with the keyring's file key: bind the keyring to the stores (stores.bindKeyring) first",
      );
    return this.fieldSeal;
  }

  anchorTo(anchor: AccessLogAnchor): void {
    this.anchor = anchor;
  }

  /**
   * Appends queue in this process and go in together: one transaction, one turn of the log's lock and one
   * read of the head for every entry that arrived while the last batch was written. A busy server then waits
   * on the lock once per batch, not once per request.
   */
  append(entry: AccessEntryInput): Promise<AccessEntry> {
    // A case id only where one is (a token in a route's :caseId is not), and no token in any text.
    const { caseId, ...rest } = entry;
    const input: AccessEntryInput = {
      ...rest,
      actor: redactLinkTokens(entry.actor),
      action: redactLinkTokens(entry.action),
      outcome: redactLinkTokens(entry.outcome),
      ...(entry.userAgent !== undefined ? { userAgent: redactLinkTokens(entry.userAgent) } : {}),
      ...(isCaseId(caseId) ? { caseId } : {}),
    };
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.writing) void this.writeBatches();
    });
  }

  private async writeBatches(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH);
      try {
        const entries = await this.writeBatch(batch.map((w) => w.input));
        // Once committed, the new head goes outside the database too; an entry is answered after its anchor.
        try {
          await this.anchor?.renew(entries.at(-1)!);
        } catch (err) {
          console.error(
            `[access log] the head could not be anchored in ${this.anchor?.location}: ${(err as Error).message}`,
          );
        }
        batch.forEach((w, i) => w.resolve(entries[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.writing = false;
  }

  private writeBatch(inputs: AccessEntryInput[]): Promise<AccessEntry[]> {
    return this.db.transaction(async (tx) => {
      await tx.lock('access log');
      let previous = await tx.get<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1',
      );
      const written: AccessEntry[] = [];
      for (const input of inputs) {
        const entry = await this.insertAfter(tx, previous, input);
        written.push(entry);
        previous = entry;
      }
      return written;
    });
  }

  private async insertAfter(
    tx: Pick<SqlDatabase, 'run'>,
    previous: { seq: number; hash: string } | undefined,
    input: AccessEntryInput,
  ): Promise<AccessEntry> {
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
    await tx.run(
      `INSERT INTO access_log (seq, at, actor, role, action, case_id, outcome, ip, user_agent, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.seq,
        entry.at,
        entry.actor,
        entry.role,
        entry.action,
        entry.caseId,
        entry.outcome,
        entry.ip,
        entry.userAgent,
        entry.prevHash,
        entry.hash,
      ],
    );
    return entry;
  }

  async list(query: AccessQuery = {}): Promise<AccessEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.caseId) {
      where.push('case_id = ?');
      args.push(query.caseId);
    }
    if (query.from !== undefined) {
      where.push('at >= ?');
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('at <= ?');
      args.push(query.to);
    }
    return (
      await this.db.all<Row>(
        `SELECT * FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`,
        args,
      )
    ).map(entryOf);
  }

  async caseHead(caseId: string): Promise<string | undefined> {
    return (
      await this.db.get<{ hash: string }>('SELECT hash FROM access_log WHERE case_id = ? ORDER BY seq DESC LIMIT 1', [
        caseId,
      ])
    )?.hash;
  }

  async verify(): Promise<ChainVerdict> {
    const chain = await this.verifyChain();
    const anchored = this.anchor?.checked();
    if (!chain.ok || !anchored) return chain;
    const { head, signed } = anchored;
    const when = new Date(head.at).toISOString();
    if (!signed)
      return {
        ok: false,
        entries: chain.entries,
        brokenAt: head.seq,
        reason: `the anchor ${this.anchor!.location} is not signed by the server key: it was edited, so the log cannot be checked against it`,
      };
    if (chain.entries < head.seq) {
      return {
        ok: false,
        entries: chain.entries,
        brokenAt: chain.entries + 1,
        reason: `the log ends at entry ${chain.entries}, but entry ${head.seq} was written (anchored ${when}): ${head.seq - chain.entries} entr${head.seq - chain.entries === 1 ? 'y was' : 'ies were'} cut off the end`,
      };
    }
    const row = await this.db.get<{ hash: string }>('SELECT hash FROM access_log WHERE seq = ?', [head.seq]);
    if (row?.hash !== head.hash)
      return {
        ok: false,
        entries: chain.entries,
        brokenAt: head.seq,
        reason: `entry ${head.seq} is not the one anchored ${when}: the log was rewritten up to there`,
      };
    return chain;
  }

  private async verifyChain(): Promise<ChainVerdict> {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    let entries = 0;
    // A page at a time: the log of a busy district outgrows memory.
    for (;;) {
      const rows = await this.db.all<Row>('SELECT * FROM access_log WHERE seq >= ? ORDER BY seq LIMIT ?', [
        expectedSeq,
        VERIFY_PAGE,
      ]);
      for (const row of rows) {
        const entry = entryOf(row);
        entries += 1;
        if (entry.seq !== expectedSeq)
          return { ok: false, entries, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (entry.prevHash !== prevHash)
          return {
            ok: false,
            entries,
            brokenAt: entry.seq,
            reason: `entry ${entry.seq} does not follow the entry before it`,
          };
        const { hash: _h, prevHash: _p, ...fields } = entry;
        if (entryHash(prevHash, fields) !== entry.hash)
          return { ok: false, entries, brokenAt: entry.seq, reason: `entry ${entry.seq} was altered` };
        prevHash = entry.hash;
        expectedSeq += 1;
      }
      if (rows.length < VERIFY_PAGE) return { ok: true, entries, head: prevHash };
    }
  }

  /**
   * Chained like the access log: under the intrusion log's lock, each event carries the hash of the one before.
   * The reason is sealed, and the hash covers what is stored, so the chain is checked without opening it.
   */
  async recordIntrusion(event: IntrusionInput): Promise<IntrusionEvent> {
    const row = {
      at: event.at ?? Date.now(),
      kind: event.kind,
      ip: event.ip.slice(0, 64),
      userAgent: redactLinkTokens(event.userAgent ?? '').slice(0, 300),
      path: redactLinkTokens(event.path).slice(0, 300),
      reason: redactLinkTokens(event.reason).slice(0, 500),
    };
    const seal = this.seal;
    return this.db.transaction(async (tx) => {
      await tx.lock('intrusion log');
      const previous = await tx.get<{ hash: string }>(
        'SELECT hash FROM intrusion_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1',
      );
      const prevHash = previous?.hash ?? GENESIS;
      const stored = { ...row, reason: seal.seal(row.reason, reasonBinding(prevHash)) };
      const inserted = await tx.get<{ id: number }>(
        'INSERT INTO intrusion_events (at, kind, ip, user_agent, path, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
        [
          stored.at,
          stored.kind,
          stored.ip,
          stored.userAgent,
          stored.path,
          stored.reason,
          prevHash,
          intrusionHash(prevHash, stored),
        ],
      );
      return { id: Number(inserted!.id), ...row };
    });
  }

  async verifyIntrusions(): Promise<IntrusionVerdict> {
    let prevHash: string | undefined; // undefined until the first chained event
    let headId = 0;
    let afterId = 0;
    let events = 0;
    let unchained = 0;
    for (;;) {
      const rows = await this.db.all<{
        id: number;
        at: number;
        kind: string;
        ip: string;
        user_agent: string;
        path: string;
        reason: string;
        prev_hash: string | null;
        hash: string | null;
      }>('SELECT * FROM intrusion_events WHERE id > ? ORDER BY id LIMIT ?', [afterId, VERIFY_PAGE]);
      for (const row of rows) {
        const id = Number(row.id);
        events += 1;
        afterId = id;
        if (row.hash === null || row.prev_hash === null) {
          if (prevHash !== undefined)
            return {
              ok: false,
              events,
              brokenAt: id,
              reason: `event ${id} carries no hash, though events before it were chained: it was written around the log`,
            };
          unchained += 1;
          continue;
        }
        if (prevHash !== undefined && row.prev_hash !== prevHash)
          return {
            ok: false,
            events,
            brokenAt: id,
            reason: `event ${id} does not follow the event before it: an event was removed or rewritten there`,
          };
        if (prevHash === undefined && row.prev_hash !== GENESIS)
          return {
            ok: false,
            events,
            brokenAt: id,
            reason: `event ${id}, the first chained one, does not start the chain: the events before it were removed`,
          };
        const fields = {
          at: Number(row.at),
          kind: row.kind as IntrusionEvent['kind'],
          ip: row.ip,
          userAgent: row.user_agent,
          path: row.path,
          reason: row.reason,
        };
        if (intrusionHash(row.prev_hash, fields) !== row.hash)
          return { ok: false, events, brokenAt: id, reason: `event ${id} was altered` };
        prevHash = row.hash;
        headId = id;
      }
      if (rows.length < VERIFY_PAGE) break;
    }
    return { ok: true, events, unchained, head: prevHash === undefined ? null : { id: headId, hash: prevHash } };
  }

  async heads(): Promise<AuditHeads> {
    const entry = await this.db.get<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1',
    );
    const event = await this.db.get<{ id: number; hash: string }>(
      'SELECT id, hash FROM intrusion_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1',
    );
    return {
      accessLog: entry ? { seq: Number(entry.seq), hash: entry.hash } : null,
      intrusions: event ? { id: Number(event.id), hash: event.hash } : null,
    };
  }

  async hashAt(log: 'accessLog' | 'intrusions', at: number): Promise<string | null | undefined> {
    const row =
      log === 'accessLog'
        ? await this.db.get<{ hash: string }>('SELECT hash FROM access_log WHERE seq = ?', [at])
        : await this.db.get<{ hash: string | null }>('SELECT hash FROM intrusion_events WHERE id = ?', [at]);
    return row ? row.hash : undefined;
  }

  async intrusions(query: { from?: number; to?: number; ip?: string }): Promise<IntrusionEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.from !== undefined) {
      where.push('at >= ?');
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('at <= ?');
      args.push(query.to);
    }
    if (query.ip) {
      where.push('ip = ?');
      args.push(query.ip);
    }
    const rows = await this.db.all<IntrusionEvent & { prevHash: string | null }>(
      `SELECT id, at, kind, ip, user_agent AS "userAgent", path, reason, prev_hash AS "prevHash" FROM intrusion_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id`,
      args,
    );
    // Events written before reasons were sealed keep theirs in the clear: rewriting them would break the chain.
    return rows.map(({ prevHash, ...event }) =>
      FieldSeal.isSealed(event.reason)
        ? { ...event, reason: this.seal.open(event.reason, reasonBinding(prevHash!)) }
        : event,
    );
  }

  async intrusionCounts(query: { ip: string; from: number }): Promise<IntrusionCounts> {
    // An aggregate over the (ip, at) index: what a refusal costs does not grow with the events before it.
    const rows = await this.db.all<{ kind: string; n: number | string; first: number | string; last: number | string }>(
      'SELECT kind, COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM intrusion_events WHERE ip = ? AND at >= ? GROUP BY kind',
      [query.ip, query.from],
    );
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
    return {
      total: rows.reduce((sum, r) => sum + Number(r.n), 0),
      firstAt: Math.min(...rows.map((r) => Number(r.first))),
      lastAt: Math.max(...rows.map((r) => Number(r.last))),
      byKind,
    };
  }
}
