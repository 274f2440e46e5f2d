// District staff accounts and their sessions (7400.1 I.B: a unique user name and password for each user).
import type { Role } from '../../domain/statuses';

export { ROLES, type Role } from '../../domain/statuses';

export interface User {
  username: string;
  role: Role;
  email?: string;
  createdAt: number;
}

export interface UserWithSecret extends User {
  passwordHash: string;
  /** Signs in with its password even when PASSWORD_SIGN_IN=false (for when the identity provider is down). */
  breakGlass: boolean;
}

/** When guesses lock a sign-in name. */
export interface LockoutPolicy {
  lockAfter: number;
  lockMs: number;
}

/**
 * One sign-in attempt, counted before its password is checked: `failures` includes this attempt, so parallel
 * guesses cannot all pass a check made before any of them failed. A success clears the count.
 */
export type LoginAttempt = { allowed: true; failures: number } | { allowed: false; lockedUntil: number };

export interface Session {
  username: string;
  role: Role;
  csrfToken: string;
  expiresAt: number;
}

export interface UserStore {
  addUser(user: {
    username: string;
    role: Role;
    email?: string;
    passwordHash: string;
    breakGlass?: boolean;
  }): Promise<User>;
  /**
   * The account bound to the identity provider's `subject`, its role and email refreshed from this sign-in; made on
   * the first, under `wanted.username` (or that name with a number when a local account holds it), without a
   * password. One transaction.
   */
  signInFromProvider(subject: string, wanted: { username: string; role: Role; email?: string }): Promise<User>;
  getUser(username: string): Promise<UserWithSecret | undefined>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  /**
   * Counts an attempt on a sign-in name in one transaction, whether or not such a user exists (an unknown
   * name locks exactly like a known one, so the answers tell nothing about which names exist).
   */
  claimLoginAttempt(username: string, now: number, policy: LockoutPolicy): Promise<LoginAttempt>;
  clearLoginAttempts(username: string): Promise<void>;
  /** Stores only a hash of the session id. */
  createSession(sessionIdHash: string, session: Session): Promise<void>;
  getSession(sessionIdHash: string, now: number): Promise<Session | undefined>;
  touchSession(sessionIdHash: string, expiresAt: number): Promise<void>;
  deleteSession(sessionIdHash: string): Promise<void>;
}

/** Sign-in names compare without case (a user "Ada" is "ada"), and so do their attempt counts. */
export const loginKey = (username: string): string => username.normalize('NFC').toLowerCase();

export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
}
