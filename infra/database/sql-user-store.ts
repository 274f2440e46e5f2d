// Staff accounts, their sessions and the sign-in attempt counts over SQL. Names compare without case.
import {
  DuplicateUserError,
  loginKey,
  type LockoutPolicy,
  type LoginAttempt,
  type Role,
  type Session,
  type User,
  type UserStore,
  type UserWithSecret,
} from './user-store';
import type { SqlDatabase } from './sql-database';

interface UserRow {
  username: string;
  role: string;
  email: string | null;
  password_hash: string;
  created_at: number;
  break_glass: number | null;
}

const userOf = (row: UserRow): UserWithSecret => ({
  username: row.username,
  role: row.role as Role,
  ...(row.email ? { email: row.email } : {}),
  createdAt: row.created_at,
  passwordHash: row.password_hash,
  breakGlass: Number(row.break_glass ?? 0) === 1,
});

const isUniqueViolation = (err: unknown): boolean => {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
};

export class SqlUserStore implements UserStore {
  constructor(private readonly db: SqlDatabase) {}

  async addUser(user: {
    username: string;
    role: Role;
    email?: string;
    passwordHash: string;
    breakGlass?: boolean;
  }): Promise<User> {
    const createdAt = Date.now();
    try {
      await this.db.run(
        'INSERT INTO users (username, role, email, password_hash, created_at, break_glass) VALUES (?, ?, ?, ?, ?, ?)',
        [user.username, user.role, user.email ?? null, user.passwordHash, createdAt, user.breakGlass ? 1 : 0],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateUserError(`a user named "${user.username}" already exists`);
      throw err;
    }
    return { username: user.username, role: user.role, ...(user.email ? { email: user.email } : {}), createdAt };
  }

  async signInFromProvider(subject: string, wanted: { username: string; role: Role; email?: string }): Promise<User> {
    return this.db.transaction(async (tx) => {
      const bound = await tx.get<UserRow>('SELECT * FROM users WHERE oidc_subject = ?', [subject]);
      if (bound) {
        await tx.run('UPDATE users SET role = ?, email = ? WHERE oidc_subject = ?', [
          wanted.role,
          wanted.email ?? null,
          subject,
        ]);
        const {
          passwordHash: _p,
          breakGlass: _b,
          ...user
        } = userOf({
          ...bound,
          role: wanted.role,
          email: wanted.email ?? null,
        });
        return user;
      }
      let username = wanted.username;
      for (let n = 2; await tx.get('SELECT username FROM users WHERE lower(username) = lower(?)', [username]); n += 1)
        username = `${wanted.username}-${n}`;
      const createdAt = Date.now();
      // No password: an empty hash matches none, so this account signs in through the provider only.
      await tx.run(
        'INSERT INTO users (username, role, email, password_hash, created_at, oidc_subject) VALUES (?, ?, ?, ?, ?, ?)',
        [username, wanted.role, wanted.email ?? null, '', createdAt, subject],
      );
      return { username, role: wanted.role, ...(wanted.email ? { email: wanted.email } : {}), createdAt };
    });
  }

  async getUser(username: string): Promise<UserWithSecret | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE lower(username) = lower(?)', [username]);
    return row ? userOf(row) : undefined;
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.all<UserRow>('SELECT * FROM users ORDER BY username')).map((row) => {
      const { passwordHash: _p, breakGlass: _b, ...user } = userOf(row);
      return user;
    });
  }

  async countUsers(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users'))!.n;
  }

  claimLoginAttempt(username: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt> {
    const key = loginKey(username);
    return this.db.transaction(async (tx) => {
      await tx.lock(`sign-in ${key}`);
      const row = await tx.get<{ failures: number; locked_until: number | null }>(
        'SELECT failures, locked_until FROM login_attempts WHERE login_key = ?',
        [key],
      );
      if (row?.locked_until && row.locked_until > now) return { allowed: false, lockedUntil: row.locked_until };
      const failures = (row?.failures ?? 0) + 1;
      await tx.run(
        `INSERT INTO login_attempts (login_key, failures, locked_until, last_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (login_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, last_at = excluded.last_at`,
        [key, failures, failures >= policy.lockAfter ? now + policy.lockMs : null, now],
      );
      return { allowed: true, failures };
    });
  }

  async clearLoginAttempts(username: string): Promise<void> {
    await this.db.run('DELETE FROM login_attempts WHERE login_key = ?', [loginKey(username)]);
  }

  async createSession(sessionIdHash: string, session: Session): Promise<void> {
    await this.db.run(
      'INSERT INTO sessions (id_hash, username, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [sessionIdHash, session.username, session.csrfToken, Date.now(), session.expiresAt],
    );
  }

  async getSession(sessionIdHash: string, now: number): Promise<Session | undefined> {
    const row = await this.db.get<{ username: string; csrf_token: string; expires_at: number; role: string }>(
      `SELECT s.username, s.csrf_token, s.expires_at, u.role FROM sessions s JOIN users u ON u.username = s.username WHERE s.id_hash = ? AND s.expires_at > ?`,
      [sessionIdHash, now],
    );
    return row
      ? { username: row.username, role: row.role as Role, csrfToken: row.csrf_token, expiresAt: row.expires_at }
      : undefined;
  }

  async touchSession(sessionIdHash: string, expiresAt: number): Promise<void> {
    await this.db.run('UPDATE sessions SET expires_at = ? WHERE id_hash = ?', [expiresAt, sessionIdHash]);
  }

  async deleteSession(sessionIdHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [sessionIdHash]);
  }
}
