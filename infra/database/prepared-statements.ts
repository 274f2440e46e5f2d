import type Database from 'better-sqlite3';

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
