// Several machines: the same stores over PostgreSQL (DATABASE_URL), through a small pool per process.
import pg from 'pg';
import {
  DatabaseUnavailableError,
  numberedPlaceholders,
  type SqlDatabase,
  type SqlExecutor,
  type SqlTransaction,
} from './sql-database';

// Times are milliseconds in BIGINT columns and counts come back as BIGINT: both fit a JS number exactly.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: string): unknown =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** host:port/database of a URL, never its password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(a DATABASE_URL that is not a URL)';
  }
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function executorOver(target: Queryable, sqlOf: (sql: string) => string): SqlExecutor {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await target.query(sqlOf(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await target.query(sqlOf(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly unknown[] = []) => ({
      changes: (await target.query(sqlOf(sql), params as unknown[])).rowCount ?? 0,
    }),
  };
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private readonly converted = new Map<string, string>();
  private readonly root: SqlExecutor;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    this.root = executorOver(pool, (sql) => this.sqlOf(sql));
  }

  /** Connects and checks the server answers; an unreachable server is one clear error, not a hang. */
  static async connect(url: string, options: { max?: number } = {}): Promise<PostgresDatabase> {
    const location = describePostgresUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      types,
    });
    // An idle connection the server dropped is replaced on the next query; say so, never crash.
    pool.on('error', (err) =>
      console.error(`[database] a PostgreSQL connection to ${location} failed: ${err.message}`),
    );
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new DatabaseUnavailableError(`PostgreSQL at ${location} cannot be reached: ${(err as Error).message}`);
    }
    return new PostgresDatabase(pool, location);
  }

  private sqlOf(sql: string): string {
    let converted = this.converted.get(sql);
    if (converted === undefined) {
      converted = numberedPlaceholders(sql);
      this.converted.set(sql, converted);
    }
    return converted;
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.root.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.root.get<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }> {
    return this.root.run(sql, params);
  }

  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlTransaction = {
      ...executorOver(client, (sql) => this.sqlOf(sql)),
      lock: async (name) =>
        void (await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7400))', [name])),
      exec: async (sql) => void (await client.query(sql)),
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
