import type Database from 'better-sqlite3';
import { openStoreDatabase, PreparedStatements } from './store-database';
import { DuplicateUserError, loginKey, type LockoutPolicy, type LoginAttempt, type Role, type Session, type User, type UserStore, type UserWithSecret } from './user-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY COLLATE NOCASE,
  role TEXT NOT NULL,
  email TEXT,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_attempts (
  login_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER,
  last_at INTEGER NOT NULL
);
`;

interface UserRow {
  username: string;
  role: string;
  email: string | null;
  password_hash: string;
  created_at: number;
}

const userOf = (row: UserRow): UserWithSecret => ({
  username: row.username,
  role: row.role as Role,
  ...(row.email ? { email: row.email } : {}),
  createdAt: row.created_at,
  passwordHash: row.password_hash,
});

export class SqliteUserStore implements UserStore {
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;
  private readonly claimTx: (key: string, now: number, policy: LockoutPolicy) => LoginAttempt;

  constructor(file: string) {
    this.db = openStoreDatabase(file, SCHEMA);
    this.sql = new PreparedStatements(this.db);
    const read = this.db.prepare('SELECT failures, locked_until FROM login_attempts WHERE login_key = ?');
    const write = this.db.prepare(`INSERT INTO login_attempts (login_key, failures, locked_until, last_at) VALUES (@key, @failures, @lockedUntil, @now)
      ON CONFLICT (login_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, last_at = excluded.last_at`);
    // IMMEDIATE: the read and the count are one step, even across processes sharing the file.
    const tx = this.db.transaction((key: string, now: number, policy: LockoutPolicy): LoginAttempt => {
      const row = read.get(key) as { failures: number; locked_until: number | null } | undefined;
      if (row?.locked_until && row.locked_until > now) return { allowed: false, lockedUntil: row.locked_until };
      const failures = (row?.failures ?? 0) + 1;
      write.run({ key, failures, lockedUntil: failures >= policy.lockAfter ? now + policy.lockMs : null, now });
      return { allowed: true, failures };
    });
    this.claimTx = (key, now, policy) => tx.immediate(key, now, policy);
  }

  async addUser(user: { username: string; role: Role; email?: string; passwordHash: string }): Promise<User> {
    const createdAt = Date.now();
    try {
      this.sql.get('INSERT INTO users (username, role, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(user.username, user.role, user.email ?? null, user.passwordHash, createdAt);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateUserError(`a user named "${user.username}" already exists`);
      throw err;
    }
    return { username: user.username, role: user.role, ...(user.email ? { email: user.email } : {}), createdAt };
  }

  async getUser(username: string): Promise<UserWithSecret | undefined> {
    const row = this.sql.get('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? userOf(row) : undefined;
  }

  async listUsers(): Promise<User[]> {
    return (this.sql.get('SELECT * FROM users ORDER BY username').all() as UserRow[]).map((row) => {
      const { passwordHash: _p, ...user } = userOf(row);
      return user;
    });
  }

  async countUsers(): Promise<number> {
    return (this.sql.get('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  async claimLoginAttempt(username: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt> {
    return this.claimTx(loginKey(username), now, policy);
  }

  async clearLoginAttempts(username: string): Promise<void> {
    this.sql.get('DELETE FROM login_attempts WHERE login_key = ?').run(loginKey(username));
  }

  async createSession(sessionIdHash: string, session: Session): Promise<void> {
    this.sql.get('INSERT INTO sessions (id_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(sessionIdHash, session.username, session.csrfToken, Date.now(), session.expiresAt);
  }

  async getSession(sessionIdHash: string, now: number): Promise<Session | undefined> {
    const row = this.sql.get(`SELECT s.username, s.csrf_token, s.expires_at, u.role FROM sessions s JOIN users u ON u.username = s.username
      WHERE s.id_hash = ? AND s.expires_at > ?`).get(sessionIdHash, now) as { username: string; csrf_token: string; expires_at: number; role: string } | undefined;
    return row ? { username: row.username, role: row.role as Role, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
  }

  async touchSession(sessionIdHash: string, expiresAt: number): Promise<void> {
    this.sql.get('UPDATE sessions SET expires_at = ? WHERE id_hash = ?').run(expiresAt, sessionIdHash);
  }

  async deleteSession(sessionIdHash: string): Promise<void> {
    this.sql.get('DELETE FROM sessions WHERE id_hash = ?').run(sessionIdHash);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
