// Someone with the database file in hand: the append-only guards dropped, rows cut or rewritten.
import path from 'node:path';
import Database from 'better-sqlite3';
import { entryHash, GENESIS, intrusionHash, type ChainKey } from '../../infra/database/access-log';

/** The SQLite file of `dataDir`, opened with the append-only triggers of both logs dropped. */
export function intruder(dataDir: string): Database.Database {
  const db = new Database(path.join(dataDir, 'disposition.db'));
  for (const table of ['access_log', 'intrusion_events', 'audit_chain_starts'])
    db.exec(`DROP TRIGGER IF EXISTS ${table}_no_update; DROP TRIGGER IF EXISTS ${table}_no_delete;`);
  return db;
}

/**
 * Rewrites the access log with entry `seq`'s actor changed and every hash recomputed with the project's own hash
 * function: under `key` (someone who holds the keyring too), a chain that checks out; without it, what someone
 * holding only the database can make (each entry's chain key then left as it was).
 */
export function rewriteAccessLog(db: Database.Database, seq: number, actor: string, key?: ChainKey): void {
  const rows = db.prepare('SELECT * FROM access_log ORDER BY seq').all() as Record<string, any>[];
  let prevHash = GENESIS;
  for (const row of rows) {
    const fields = {
      seq: row.seq,
      at: row.at,
      actor: row.seq === seq ? actor : row.actor,
      role: row.role,
      action: row.action,
      caseId: row.case_id,
      outcome: row.outcome,
      ip: row.ip,
      userAgent: row.user_agent,
    };
    const hash = entryHash(prevHash, fields, key);
    db.prepare('UPDATE access_log SET actor = ?, prev_hash = ?, hash = ?, chain_kid = ? WHERE seq = ?').run(
      fields.actor,
      prevHash,
      hash,
      key ? key.kid : row.chain_kid,
      row.seq,
    );
    prevHash = hash;
  }
}

/** Recomputes every intrusion event's hash after the one before, under `key` as `rewriteAccessLog` does. */
export function rechainIntrusions(db: Database.Database, key?: ChainKey): void {
  const rows = db.prepare('SELECT * FROM intrusion_events ORDER BY id').all() as Record<string, any>[];
  let prevHash = GENESIS;
  for (const row of rows) {
    const fields = {
      at: row.at,
      kind: row.kind,
      ip: row.ip,
      userAgent: row.user_agent,
      path: row.path,
      reason: row.reason,
    };
    const hash = intrusionHash(prevHash, fields, key);
    db.prepare('UPDATE intrusion_events SET prev_hash = ?, hash = ?, chain_kid = ? WHERE id = ?').run(
      prevHash,
      hash,
      key ? key.kid : row.chain_kid,
      row.id,
    );
    prevHash = hash;
  }
}
