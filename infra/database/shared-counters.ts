// Counts that every server must see alike: request rates per source and "once per burst" alerts. Kept in the
// database, so a guesser spread over several servers is counted once, and an alert goes out once.
import type { SqlDatabase } from './sql-database';

export interface SharedCounters {
  /**
   * One more hit in the fixed window of `key` (or `by` more; a negative `by` gives hits back, never below 0): the
   * hits so far in the window, and when it started.
   */
  hit(key: string, windowMs: number, now: number, by?: number): Promise<{ hits: number; startedAt: number }>;
  /** True for the first claim of `key` within `windowMs`, on any server. */
  claimOnce(key: string, windowMs: number, now: number): Promise<boolean>;
  /** Forgets windows and claims older than `before`. */
  sweep(before: number): Promise<void>;
}

export class SqlSharedCounters implements SharedCounters {
  constructor(private readonly db: SqlDatabase) {}

  async hit(key: string, windowMs: number, now: number, by = 1): Promise<{ hits: number; startedAt: number }> {
    // One statement: the read and the count cannot be split by another server's hit.
    const expired = now - windowMs;
    const first = Math.max(by, 0);
    const row = await this.db.get<{ hits: number; started_at: number }>(
      `
      INSERT INTO rate_windows (window_key, started_at, hits) VALUES (?, ?, CAST(? AS INTEGER))
      ON CONFLICT (window_key) DO UPDATE SET
        hits = CASE
          WHEN rate_windows.started_at <= ? THEN CAST(? AS INTEGER)
          WHEN rate_windows.hits + CAST(? AS INTEGER) < 0 THEN 0
          ELSE rate_windows.hits + CAST(? AS INTEGER)
        END,
        started_at = CASE WHEN rate_windows.started_at <= ? THEN excluded.started_at ELSE rate_windows.started_at END
      RETURNING hits, started_at`,
      [key, now, first, expired, first, by, by, expired],
    );
    return { hits: row!.hits, startedAt: row!.started_at };
  }

  async claimOnce(key: string, windowMs: number, now: number): Promise<boolean> {
    const row = await this.db.get(
      `
      INSERT INTO once_claims (claim_key, claimed_at) VALUES (?, ?)
      ON CONFLICT (claim_key) DO UPDATE SET claimed_at = excluded.claimed_at WHERE once_claims.claimed_at <= ?
      RETURNING claimed_at`,
      [key, now, now - windowMs],
    );
    return row !== undefined;
  }

  async sweep(before: number): Promise<void> {
    await this.db.run('DELETE FROM rate_windows WHERE started_at < ?', [before]);
    await this.db.run('DELETE FROM once_claims WHERE claimed_at < ?', [before]);
  }
}
