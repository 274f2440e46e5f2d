// The access log and the intrusion events over SQL. Appends from any number of servers and workers form one
// chain: each append holds the log's lock while it reads the head and writes the next entry. Hashes are keyed
// (infra/keys/audit-chain-keys.ts) from the entry after `audit_chain_starts.keyed_after`: the entries before it
// were written by a version that hashed without a key, and that boundary is itself keyed, so it cannot be moved.
import crypto from 'node:crypto';
import {
  entryHash,
  GENESIS,
  intrusionHash,
  type AccessEntry,
  type AccessEntryInput,
  type AccessLog,
  type AccessQuery,
  type AuditHeads,
  type ChainKey,
  type ChainVerdict,
  type IntrusionEvent,
  type IntrusionCounts,
  type IntrusionInput,
  type IntrusionVerdict,
} from './access-log';
import type { SqlDatabase } from './sql-database';
import { isCaseId, redactLinkTokens } from '../../domain/ids';
import type { LogHeadAnchor, AnchoredLog } from './log-head-anchor';
import { FieldSeal } from '../keys/field-seal';
import type { AuditChainKeys } from '../keys/audit-chain-keys';

/**
 * Where an intrusion's reason is sealed: after the hash of the event before it, unique to each event, so a sealed
 * reason copied onto another event does not open there.
 */
const reasonBinding = (prevHash: string): string => `intrusion|${prevHash}|reason`;

type ChainedLog = AnchoredLog;
const LOCKS: Record<ChainedLog, string> = { accessLog: 'access log', intrusions: 'intrusion log' };
const LAST_NUMBER: Record<ChainedLog, string> = {
  accessLog: 'SELECT MAX(seq) AS n FROM access_log',
  intrusions: 'SELECT MAX(id) AS n FROM intrusion_events',
};
const ANY_KEYED: Record<ChainedLog, string> = {
  accessLog: 'SELECT 1 AS keyed FROM access_log WHERE chain_kid IS NOT NULL LIMIT 1',
  intrusions: 'SELECT 1 AS keyed FROM intrusion_events WHERE chain_kid IS NOT NULL LIMIT 1',
};
const WHAT: Record<ChainedLog, string> = { accessLog: 'entry', intrusions: 'event' };

/** Where a log's keyed chain starts: every entry numbered above `keyedAfter` is hashed under a chain key. */
interface ChainStart {
  keyedAfter: number;
}

const startText = (log: ChainedLog, keyedAfter: number): string =>
  `disposition-audit-chain-start/1 ${log} ${keyedAfter}`;

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
  chain_kid: string | null;
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
  chainKid: r.chain_kid,
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
  private anchors?: { accessLog: LogHeadAnchor; intrusions: LogHeadAnchor };
  private fieldSeal?: FieldSeal;
  private chainKeys?: AuditChainKeys;

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

  anchorTo(anchors: { accessLog: LogHeadAnchor; intrusions: LogHeadAnchor }): void {
    this.anchors = anchors;
  }

  /**
   * Hashes both chains under the keyring's chain keys from now on. The first start of a version that keys them
   * records, for each log, the last entry an earlier version hashed without a key, MACed under the chain key.
   * That record is written once: when a log already holds keyed entries and the record is gone, someone removed
   * it, and `verify` says so rather than a new record moving the boundary past a rewrite.
   */
  async keyWith(keys: AuditChainKeys): Promise<void> {
    this.chainKeys = keys;
    for (const log of ['accessLog', 'intrusions'] as const) {
      await this.db.transaction(async (tx) => {
        await tx.lock(LOCKS[log]);
        if (await tx.get('SELECT log FROM audit_chain_starts WHERE log = ?', [log])) return;
        if (await tx.get(ANY_KEYED[log])) return;
        const keyedAfter = Number((await tx.get<{ n: number | null }>(LAST_NUMBER[log]))?.n ?? 0);
        const key = keys.current();
        await tx.run('INSERT INTO audit_chain_starts (log, keyed_after, kid, mac) VALUES (?, ?, ?, ?)', [
          log,
          keyedAfter,
          key.kid,
          crypto.createHmac('sha256', key.key).update(startText(log, keyedAfter)).digest('hex'),
        ]);
      });
    }
  }

  private get chainKey(): ChainKey {
    if (!this.chainKeys)
      throw new Error(
        "the audit logs are hashed with the keyring's chain key: bind the keyring to the stores (stores.bindKeyring) first",
      );
    return this.chainKeys.current();
  }

  /** The start of `log`'s keyed chain, or a sentence saying why it cannot be trusted. */
  private async chainStart(log: ChainedLog): Promise<ChainStart | { broken: string }> {
    if (!this.chainKeys) return { broken: 'the keyring is not bound to the stores: the chain keys are not at hand' };
    const row = await this.db.get<{ keyed_after: number | string; kid: string; mac: string }>(
      'SELECT keyed_after, kid, mac FROM audit_chain_starts WHERE log = ?',
      [log],
    );
    if (!row) return { broken: `the record of where its keyed chain starts (audit_chain_starts) was removed` };
    const keyedAfter = Number(row.keyed_after);
    const key = this.chainKeys.get(row.kid);
    if (!key)
      return {
        broken: `the record of where its keyed chain starts names key ${row.kid}, which this keyring does not hold`,
      };
    const mac = crypto.createHmac('sha256', key.key).update(startText(log, keyedAfter)).digest();
    const stored = Buffer.from(row.mac, 'hex');
    if (stored.length !== mac.length || !crypto.timingSafeEqual(stored, mac))
      return { broken: `the record of where its keyed chain starts (audit_chain_starts) was edited` };
    return { keyedAfter };
  }

  /**
   * The key `n`'s hash is checked under: none for an entry before the keyed chain's start; after it, the key its
   * row names, or a sentence when there is none or the keyring does not hold it.
   */
  private keyFor(log: ChainedLog, n: number, kid: string | null, start: ChainStart): ChainKey | undefined | string {
    if (kid === null)
      return n > start.keyedAfter
        ? `${WHAT[log]} ${n} carries no chain key, though the log is keyed from ${WHAT[log]} ${start.keyedAfter + 1}: it was written or rewritten without the keyring`
        : undefined;
    return this.chainKeys!.get(kid) ?? `${WHAT[log]} ${n} is hashed with key ${kid}, which this keyring does not hold`;
  }

  /** What a log's anchor says against the database: nothing, or where and how the log was cut or rewritten. */
  private async againstAnchor(
    log: ChainedLog,
    last: number,
  ): Promise<{ brokenAt: number; reason: string } | undefined> {
    const anchor = this.anchors?.[log];
    const anchored = anchor?.checked();
    if (!anchor || !anchored) return undefined;
    const { head, signed } = anchored;
    const when = new Date(head.at).toISOString();
    const what = WHAT[log];
    if (!signed)
      return {
        brokenAt: head.seq,
        reason: `the anchor ${anchor.location} is not signed by the server key: it was edited, so the log cannot be checked against it`,
      };
    if (last < head.seq) {
      const cut =
        log === 'accessLog'
          ? `${head.seq - last} entr${head.seq - last === 1 ? 'y was' : 'ies were'} cut off the end`
          : `the events after ${last} were cut off the end`;
      return {
        brokenAt: last + 1,
        reason: `the log ends at ${what} ${last}, but ${what} ${head.seq} was written (anchored ${when}): ${cut}`,
      };
    }
    if ((await this.hashAt(log, head.seq)) !== head.hash)
      return {
        brokenAt: head.seq,
        reason: `${what} ${head.seq} is not the one anchored ${when}: the log was rewritten up to there`,
      };
    return undefined;
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
        await this.anchorHead('accessLog', entries.at(-1)!);
        batch.forEach((w, i) => w.resolve(entries[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.writing = false;
  }

  private async anchorHead(log: ChainedLog, head: { seq: number; hash: string }): Promise<void> {
    const anchor = this.anchors?.[log];
    try {
      await anchor?.renew(head);
    } catch (err) {
      console.error(`[${LOCKS[log]}] the head could not be anchored in ${anchor?.location}: ${(err as Error).message}`);
    }
  }

  private writeBatch(inputs: AccessEntryInput[]): Promise<AccessEntry[]> {
    const key = this.chainKey;
    return this.db.transaction(async (tx) => {
      await tx.lock('access log');
      let previous = await tx.get<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1',
      );
      const written: AccessEntry[] = [];
      for (const input of inputs) {
        const entry = await this.insertAfter(tx, previous, input, key);
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
    key: ChainKey,
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
    const entry: AccessEntry = { ...base, prevHash, hash: entryHash(prevHash, base, key), chainKid: key.kid };
    await tx.run(
      `INSERT INTO access_log (seq, at, actor, role, action, case_id, outcome, ip, user_agent, prev_hash, hash, chain_kid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        entry.chainKid,
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
    if (!chain.ok) return chain;
    const anchored = await this.againstAnchor('accessLog', chain.entries);
    return anchored ? { ok: false, entries: chain.entries, ...anchored } : chain;
  }

  private async verifyChain(): Promise<ChainVerdict> {
    const start = await this.chainStart('accessLog');
    if ('broken' in start) {
      const { n } = (await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM access_log'))!;
      if (Number(n) === 0) return { ok: true, entries: 0, head: GENESIS };
      return { ok: false, entries: 0, brokenAt: 1, reason: start.broken };
    }
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
        const key = this.keyFor('accessLog', entry.seq, entry.chainKid, start);
        if (typeof key === 'string') return { ok: false, entries, brokenAt: entry.seq, reason: key };
        const { hash: _h, prevHash: _p, chainKid: _k, ...fields } = entry;
        if (entryHash(prevHash, fields, key) !== entry.hash)
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
    const key = this.chainKey;
    const recorded = await this.db.transaction(async (tx) => {
      await tx.lock('intrusion log');
      const previous = await tx.get<{ hash: string }>(
        'SELECT hash FROM intrusion_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1',
      );
      const prevHash = previous?.hash ?? GENESIS;
      const stored = { ...row, reason: seal.seal(row.reason, reasonBinding(prevHash)) };
      const hash = intrusionHash(prevHash, stored, key);
      const inserted = await tx.get<{ id: number }>(
        'INSERT INTO intrusion_events (at, kind, ip, user_agent, path, reason, prev_hash, hash, chain_kid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
        [stored.at, stored.kind, stored.ip, stored.userAgent, stored.path, stored.reason, prevHash, hash, key.kid],
      );
      return { event: { id: Number(inserted!.id), ...row }, hash };
    });
    await this.anchorHead('intrusions', { seq: recorded.event.id, hash: recorded.hash });
    return recorded.event;
  }

  async verifyIntrusions(): Promise<IntrusionVerdict> {
    const start = await this.chainStart('intrusions');
    if ('broken' in start) {
      const { n } = (await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM intrusion_events'))!;
      if (Number(n) === 0) return { ok: true, events: 0, unchained: 0, head: null };
      return { ok: false, events: 0, brokenAt: 1, reason: start.broken };
    }
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
        chain_kid: string | null;
      }>('SELECT * FROM intrusion_events WHERE id > ? ORDER BY id LIMIT ?', [afterId, VERIFY_PAGE]);
      for (const row of rows) {
        const id = Number(row.id);
        events += 1;
        afterId = id;
        if (row.hash === null || row.prev_hash === null) {
          if (id > start.keyedAfter)
            return {
              ok: false,
              events,
              brokenAt: id,
              reason: `event ${id} carries no hash, though the log is keyed from event ${start.keyedAfter + 1}: it was written around the log`,
            };
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
        const key = this.keyFor('intrusions', id, row.chain_kid, start);
        if (typeof key === 'string') return { ok: false, events, brokenAt: id, reason: key };
        if (intrusionHash(row.prev_hash, fields, key) !== row.hash)
          return { ok: false, events, brokenAt: id, reason: `event ${id} was altered` };
        prevHash = row.hash;
        headId = id;
      }
      if (rows.length < VERIFY_PAGE) break;
    }
    const anchored = await this.againstAnchor('intrusions', afterId);
    if (anchored) return { ok: false, events, ...anchored };
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
