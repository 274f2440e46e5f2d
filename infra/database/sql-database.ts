// One small SQL surface that every store is written against, so the case record, users, sessions, the access
// log and the shared counters have one implementation each, over SQLite (one machine) or PostgreSQL (several).
// Statements use `?` placeholders and the SQL both engines share: ON CONFLICT … DO UPDATE/NOTHING, RETURNING,
// integers for times in milliseconds and for booleans.

export type Dialect = 'sqlite' | 'postgres';

export interface SqlExecutor {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
}

export interface SqlTransaction extends SqlExecutor {
  /**
   * Holds `name` until the transaction ends: two transactions that lock the same name run one after the other,
   * on any number of servers. (SQLite's write transactions already run one at a time.)
   */
  lock(name: string): Promise<void>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Where the data lives, for messages: a file path, or host:port/database (never a password). */
  readonly location: string;
  /** Runs `work` in one transaction that writes; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** `?` to `$1, $2, …` for PostgreSQL. Our statements hold no `?` inside string literals. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

/** The database cannot be reached or opened: one line naming what and where. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** A connection-level failure (the server went away, refused, timed out), as opposed to a refused statement. */
export function isDatabaseConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const message = (error as Error | undefined)?.message ?? '';
  // 57P01-03: the server shut down; 08xxx: connection exceptions; then Node's socket errors and pg's own words.
  return (
    /^(57P0[123]|08\w{3}|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect/.test(message)
  );
}

/** The database was migrated by newer code than this: running would misread it. */
export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

/**
 * Runs `work` on the rows `select` (ending in `LIMIT ?`) finds, a batch at a time, until a batch comes back short.
 * `work` must take each row out of what `select` finds. Answers the sum of what `work` answered.
 */
export async function inBatches<T>(
  db: SqlExecutor,
  select: string,
  work: (row: T) => Promise<number>,
  batch = 200,
): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await db.all<T>(select, [batch]);
    for (const row of rows) done += await work(row);
    if (rows.length < batch) return done;
  }
}
