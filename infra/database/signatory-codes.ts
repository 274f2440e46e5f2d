// One-time codes that prove a certification's signatory reads the address they sign with (docs/architecture.md, "The signatory
// check"). Kept in the database so any server can check a code another sent; only a keyed hash of each code is
// stored, never the code.
import type { SqlDatabase } from './sql-database';

export interface SignatoryCode {
  /** The task the code is for: case, task, its generation, and the subprocessor for a subprocessor's link. */
  taskKey: string;
  /** Not the address itself (personal data stays out of the clear): a keyed hash of it, which the caller makes. */
  email: string;
  codeHash: string;
  sentAt: number;
  expiresAt: number;
  /** Wrong codes tried so far. */
  attempts: number;
  verified?: { at: number; ip: string; userAgent: string };
}

interface Row {
  task_key: string;
  email: string;
  code_hash: string;
  sent_at: number;
  expires_at: number;
  attempts: number;
  verified_at: number | null;
  verified_ip: string | null;
  verified_user_agent: string | null;
}

const codeOf = (row: Row): SignatoryCode => ({
  taskKey: row.task_key,
  email: row.email,
  codeHash: row.code_hash,
  sentAt: Number(row.sent_at),
  expiresAt: Number(row.expires_at),
  attempts: Number(row.attempts),
  ...(row.verified_at !== null
    ? { verified: { at: Number(row.verified_at), ip: row.verified_ip ?? '', userAgent: row.verified_user_agent ?? '' } }
    : {}),
});

export class SqlSignatoryCodes {
  constructor(private readonly db: SqlDatabase) {}

  /** The latest code for the task sent to the address under any of its keys (one per key of the keyring). */
  async get(taskKey: string, emails: readonly string[]): Promise<SignatoryCode | undefined> {
    if (emails.length === 0) return undefined;
    const row = await this.db.get<Row>(
      `SELECT * FROM signatory_codes WHERE task_key = ? AND email IN (${emails.map(() => '?').join(', ')}) ORDER BY sent_at DESC LIMIT 1`,
      [taskKey, ...emails],
    );
    return row ? codeOf(row) : undefined;
  }

  /** A new code for the address, replacing any earlier one that was not verified; wrong tries start again. */
  async issue(taskKey: string, email: string, codeHash: string, sentAt: number, expiresAt: number): Promise<void> {
    await this.db.run(
      `
      INSERT INTO signatory_codes (task_key, email, code_hash, sent_at, expires_at, attempts) VALUES (?, ?, ?, ?, ?, 0)
      ON CONFLICT (task_key, email) DO UPDATE SET code_hash = excluded.code_hash, sent_at = excluded.sent_at,
        expires_at = excluded.expires_at, attempts = 0
      WHERE signatory_codes.verified_at IS NULL`,
      [taskKey, email, codeHash, sentAt, expiresAt],
    );
  }

  /** One more wrong code: the count so far, counted in one statement so two servers cannot both miss one. */
  async fail(taskKey: string, email: string): Promise<number> {
    const row = await this.db.get<{ attempts: number }>(
      'UPDATE signatory_codes SET attempts = attempts + 1 WHERE task_key = ? AND email = ? RETURNING attempts',
      [taskKey, email],
    );
    return Number(row?.attempts ?? 0);
  }

  async verify(taskKey: string, email: string, at: number, ip: string, userAgent: string): Promise<void> {
    await this.db.run(
      'UPDATE signatory_codes SET verified_at = ?, verified_ip = ?, verified_user_agent = ? WHERE task_key = ? AND email = ? AND verified_at IS NULL',
      [at, ip, userAgent.slice(0, 500), taskKey, email],
    );
  }

  /** Forgets a code that never reached its address (the mail failed), so the next request sends a new one. */
  async forget(taskKey: string, email: string): Promise<void> {
    await this.db.run('DELETE FROM signatory_codes WHERE task_key = ? AND email = ? AND verified_at IS NULL', [
      taskKey,
      email,
    ]);
  }
}
