// The embedded default: one SQLite file in DATA_DIR shared by the worker, the server and the CLI (WAL, and a
// wait instead of SQLITE_BUSY while another process writes). better-sqlite3 answers synchronously; this wraps it
// in the async surface of SqlDatabase and keeps one transaction at a time on the connection.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseUnavailableError, type SqlDatabase, type SqlExecutor, type SqlTransaction } from './sql-database';

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  // Statements prepared once and kept: SQLite parses and plans on each prepare, which showed in profiles.
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<void> = Promise.resolve();
  private running: Promise<unknown> | undefined;
  private readonly inTransaction: SqlTransaction;

  constructor(readonly location: string) {
    try {
      fs.mkdirSync(path.dirname(location), { recursive: true });
      // Created 0600 (and made so, if an earlier version left it readable): the case record holds personal data.
      // SQLite gives its -wal and -shm files the database file's mode.
      fs.closeSync(fs.openSync(location, 'a', 0o600));
      if ((fs.statSync(location).mode & 0o077) !== 0) fs.chmodSync(location, 0o600);
      this.db = new Database(location);
      this.db.pragma('journal_mode = WAL');
      // Freed pages are zeroed, so a value sealed in place (see field-seal.ts) leaves no copy in the clear.
      this.db.pragma('secure_delete = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new DatabaseUnavailableError(`the SQLite database ${location} cannot be opened: ${(err as Error).message}`);
    }
    const direct = this.direct();
    this.inTransaction = { ...direct, lock: async () => undefined, exec: async (sql) => void this.db.exec(sql) };
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private direct(): SqlExecutor {
    return {
      dialect: 'sqlite',
      all: async <T>(sql: string, params: readonly unknown[] = []) => this.statement(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        this.statement(sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly unknown[] = []) => ({
        changes: this.statement(sql).run(...params).changes,
      }),
    };
  }

  /** A statement outside a transaction waits for the running one, so it never lands inside it. */
  private async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.running) await this.idle();
    return this.statement(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    if (this.running) await this.idle();
    return this.statement(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    if (this.running) await this.idle();
    return { changes: this.statement(sql).run(...params).changes };
  }

  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise((resolve) => (release = resolve));
    await previous;
    const attempt = (async () => {
      // IMMEDIATE: the write lock is taken at the start, so a read-then-write is one step across processes too.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.inTransaction);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    })();
    this.running = attempt;
    try {
      return await attempt;
    } finally {
      this.running = undefined;
      release();
    }
  }

  async exec(sql: string): Promise<void> {
    if (this.running) await this.idle();
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.idle();
    this.db.close();
  }
}
