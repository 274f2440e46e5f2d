import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Statements prepared once per connection and kept: SQLite parses and plans a statement on each prepare,
 * which showed in profiles of the worker and the server (every case record write and vendor page read).
 * Dynamic SQL is built from a fixed set of filters, so the kept statements stay few.
 */
export class PreparedStatements {
  private readonly kept = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let statement = this.kept.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.kept.set(sql, statement);
    }
    return statement;
  }
}

/**
 * A store's connection to the database file: WAL (the worker, the server and the CLI share one file), a wait
 * instead of SQLITE_BUSY while another process writes, the store's tables made if missing.
 */
export function openStoreDatabase(file: string, schema: string, options: { foreignKeys?: boolean } = {}): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  if (options.foreignKeys) db.pragma('foreign_keys = ON');
  db.exec(schema);
  return db;
}
