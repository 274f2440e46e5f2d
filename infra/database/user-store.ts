// District staff accounts and their sessions (7400.1 I.B: a unique user name and password for each user).
export const ROLES = ['admin', 'legal'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  username: string;
  role: Role;
  email?: string;
  createdAt: number;
}

export interface UserWithSecret extends User {
  passwordHash: string;
  failedLogins: number;
  lockedUntil?: number;
}

export interface Session {
  username: string;
  role: Role;
  csrfToken: string;
  expiresAt: number;
}

export interface UserStore {
  addUser(user: { username: string; role: Role; email?: string; passwordHash: string }): User;
  getUser(username: string): UserWithSecret | undefined;
  listUsers(): User[];
  countUsers(): number;
  recordFailedLogin(username: string, lockUntil?: number): number;
  clearFailedLogins(username: string): void;
  /** Stores only a hash of the session id. */
  createSession(sessionIdHash: string, session: Session): void;
  getSession(sessionIdHash: string, now: number): Session | undefined;
  touchSession(sessionIdHash: string, expiresAt: number): void;
  deleteSession(sessionIdHash: string): void;
}

export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
}
