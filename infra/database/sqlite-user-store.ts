import type Database from 'better-sqlite3';
import { openStoreDatabase, PreparedStatements } from './store-database';
import { DuplicateUserError, type Role, type Session, type User, type UserStore, type UserWithSecret } from './user-store';

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
`;

interface UserRow {
  username: string;
  role: string;
  email: string | null;
  password_hash: string;
  created_at: number;
  failed_logins: number;
  locked_until: number | null;
}

const userOf = (row: UserRow): UserWithSecret => ({
  username: row.username,
  role: row.role as Role,
  ...(row.email ? { email: row.email } : {}),
  createdAt: row.created_at,
  passwordHash: row.password_hash,
  failedLogins: row.failed_logins,
  ...(row.locked_until ? { lockedUntil: row.locked_until } : {}),
});

export class SqliteUserStore implements UserStore {
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;

  constructor(file: string) {
    this.db = openStoreDatabase(file, SCHEMA);
    this.sql = new PreparedStatements(this.db);
  }

  addUser(user: { username: string; role: Role; email?: string; passwordHash: string }): User {
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

  getUser(username: string): UserWithSecret | undefined {
    const row = this.sql.get('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? userOf(row) : undefined;
  }

  listUsers(): User[] {
    return (this.sql.get('SELECT * FROM users ORDER BY username').all() as UserRow[]).map((row) => {
      const { passwordHash: _p, failedLogins: _f, lockedUntil: _l, ...user } = userOf(row);
      return user;
    });
  }

  countUsers(): number {
    return (this.sql.get('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  recordFailedLogin(username: string, lockUntil?: number): number {
    this.sql.get('UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE(?, locked_until) WHERE username = ?').run(lockUntil ?? null, username);
    return (this.sql.get('SELECT failed_logins FROM users WHERE username = ?').get(username) as { failed_logins: number } | undefined)?.failed_logins ?? 0;
  }

  clearFailedLogins(username: string): void {
    this.sql.get('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?').run(username);
  }

  createSession(sessionIdHash: string, session: Session): void {
    this.sql.get('INSERT INTO sessions (id_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(sessionIdHash, session.username, session.csrfToken, Date.now(), session.expiresAt);
  }

  getSession(sessionIdHash: string, now: number): Session | undefined {
    const row = this.sql.get(`SELECT s.username, s.csrf_token, s.expires_at, u.role FROM sessions s JOIN users u ON u.username = s.username
      WHERE s.id_hash = ? AND s.expires_at > ?`).get(sessionIdHash, now) as { username: string; csrf_token: string; expires_at: number; role: string } | undefined;
    return row ? { username: row.username, role: row.role as Role, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
  }

  touchSession(sessionIdHash: string, expiresAt: number): void {
    this.sql.get('UPDATE sessions SET expires_at = ? WHERE id_hash = ?').run(expiresAt, sessionIdHash);
  }

  deleteSession(sessionIdHash: string): void {
    this.sql.get('DELETE FROM sessions WHERE id_hash = ?').run(sessionIdHash);
  }

  close(): void {
    this.db.close();
  }
}
