// The access log (7400.1 I.D, I.H; FERPA 34 CFR 99.32) and the intrusion log (I.C). Both are append-only and
// chained: each entry carries the hash of the one before, so an edited or removed entry breaks the chain where
// it happened. The hashes are keyed (HMAC-SHA256 under a key of the keyring, infra/keys/audit-chain-keys.ts):
// someone who holds the database but not the keyring cannot recompute the chain after an edit.
import crypto from 'node:crypto';
import type { LogHeadAnchor } from './log-head-anchor';

export interface AccessEntryInput {
  at?: number;
  actor: string;
  role: string;
  action: string;
  caseId?: string;
  outcome: string;
  ip?: string;
  userAgent?: string;
}

export interface AccessEntry extends Required<Omit<AccessEntryInput, 'caseId'>> {
  seq: number;
  caseId: string | null;
  prevHash: string;
  hash: string;
  /** The chain key the hash was made with; null for an entry an earlier version hashed without a key. */
  chainKid: string | null;
}

export interface AccessQuery {
  caseId?: string;
  from?: number;
  to?: number;
}

export type ChainVerdict =
  { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

/**
 * The intrusion log's chain: events written before it was chained (a database from before migration 13) are
 * counted apart; every later event follows the one before it.
 */
export type IntrusionVerdict =
  | { ok: true; events: number; unchained: number; head: { id: number; hash: string } | null }
  | { ok: false; events: number; brokenAt: number; reason: string };

/** The latest entry of each log: what an audit checkpoint signs. */
export interface AuditHeads {
  accessLog: { seq: number; hash: string } | null;
  intrusions: { id: number; hash: string } | null;
}

export const INTRUSION_KINDS = [
  'failed_login',
  'refused_link',
  'csrf_failure',
  'role_refusal',
  'rate_limited',
  'malformed_upload',
  'locked_account',
  'wrong_signatory_code',
] as const;
export type IntrusionKind = (typeof INTRUSION_KINDS)[number];

export interface IntrusionInput {
  at?: number;
  kind: IntrusionKind;
  ip: string;
  userAgent?: string;
  path: string;
  reason: string;
}

export interface IntrusionEvent extends Required<IntrusionInput> {
  id: number;
}

/** The key an entry's hash is made with, and its id; absent for the unkeyed entries of earlier versions. */
export interface ChainKey {
  kid: string;
  key: Buffer;
}

export interface AccessLog {
  append(entry: AccessEntryInput): Promise<AccessEntry>;
  list(query?: AccessQuery): Promise<AccessEntry[]>;
  /** The hash of the latest entry about the case: printed on its statement. */
  caseHead(caseId: string): Promise<string | undefined>;
  verify(): Promise<ChainVerdict>;
  /**
   * Keeps each log's head outside the database from now on (files beside the keys), and checks them in `verify`
   * and `verifyIntrusions`.
   */
  anchorTo(anchors: { accessLog: LogHeadAnchor; intrusions: LogHeadAnchor }): void;
  recordIntrusion(event: IntrusionInput): Promise<IntrusionEvent>;
  intrusions(query: { from?: number; to?: number; ip?: string }): Promise<IntrusionEvent[]>;
  /** How many events came from `ip` since `from`, by kind, and when the first and last came: counted, nothing opened. */
  intrusionCounts(query: { ip: string; from: number }): Promise<IntrusionCounts>;
  verifyIntrusions(): Promise<IntrusionVerdict>;
  heads(): Promise<AuditHeads>;
  /** The hash kept with an access-log entry or an intrusion event (undefined when there is none such). */
  hashAt(log: 'accessLog' | 'intrusions', at: number): Promise<string | null | undefined>;
}

export interface IntrusionCounts {
  total: number;
  firstAt: number;
  lastAt: number;
  byKind: Record<string, number>;
}

export const GENESIS = '0'.repeat(64);

/** SHA-256 without a key (entries of earlier versions), else HMAC-SHA256 under the chain key. */
const chainHash = (key: ChainKey | undefined) =>
  key ? crypto.createHmac('sha256', key.key) : crypto.createHash('sha256');

/** The hash of an entry: its fields in a fixed order, after the previous hash, under the chain key. */
export function entryHash(
  prevHash: string,
  entry: Omit<AccessEntry, 'hash' | 'prevHash' | 'chainKid'>,
  key: ChainKey | undefined,
): string {
  const fields = [
    entry.seq,
    entry.at,
    entry.actor,
    entry.role,
    entry.action,
    entry.caseId ?? '',
    entry.outcome,
    entry.ip,
    entry.userAgent,
  ];
  return chainHash(key).update(prevHash).update(JSON.stringify(fields)).digest('hex');
}

/** The hash of an intrusion event, after the previous event's (its id is the database's, so not part of it). */
export function intrusionHash(prevHash: string, event: Omit<IntrusionEvent, 'id'>, key: ChainKey | undefined): string {
  const fields = [event.at, event.kind, event.ip, event.userAgent, event.path, event.reason];
  return chainHash(key).update(prevHash).update(JSON.stringify(fields)).digest('hex');
}
