// Emailed links: PUBLIC_URL/v/<token>, token = v1.<kid>.<payload>.<sig> (docs/api.md, "Emailed links").
// Made by the mail activity, checked by the HTTP server and the CLI: one module for both.
import crypto from 'node:crypto';
import { LINK_TASKS, type LinkTaskKind } from '../../domain/statuses';
import type { Keyring } from './keys';

export interface LinkClaims {
  caseId: string;
  task: LinkTaskKind;
  gen: number;
  /** A subprocessor's link (`subprocessor_certify`): which subprocessor of the case. */
  sub?: string;
  /** Unix seconds. */
  expiresAt: number;
}

export type LinkRefusal =
  | 'malformed' // not a token this server writes
  | 'bad_signature' // altered, or signed by a key we do not hold
  | 'expired'
  | 'case_not_found'
  | 'case_closed'
  | 'task_closed' // the task is done (or not open yet)
  | 'superseded'; // a newer link was sent for the task

export const LINK_REFUSAL_TEXT: Record<LinkRefusal, string> = {
  malformed: 'This link is not complete or not one of ours. Copy the whole link from the email.',
  bad_signature: 'This link has been altered and cannot be used.',
  expired: 'This link has expired. Ask the district to send a new one.',
  case_not_found: 'This link refers to a case we do not know.',
  case_closed: 'This case is closed; nothing more is needed from you.',
  task_closed: 'This task is already done, or not open. Use the link in the most recent email.',
  superseded: 'A newer link was sent for this task. Use the link in the most recent email.',
};

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const TOKEN = /^v1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{43})$/;

function sign(key: Buffer, signed: string): Buffer {
  return crypto.createHmac('sha256', key).update(signed).digest();
}

export function makeLinkToken(keyring: Keyring, claims: LinkClaims): string {
  const { kid, key } = keyring.current('link');
  const payload = b64(
    JSON.stringify({
      c: claims.caseId,
      t: claims.task,
      g: claims.gen,
      e: claims.expiresAt,
      ...(claims.sub ? { s: claims.sub } : {}),
    }),
  );
  const signed = `v1.${kid}.${payload}`;
  return `${signed}.${b64(sign(key, signed))}`;
}

/** Accepts a bare token or a whole link (`…/v/<token>`). */
export function tokenFromLink(text: string): string {
  const trimmed = text.trim();
  const match = /\/v\/([^/?#\s]+)/.exec(trimmed);
  return match ? decodeURIComponent(match[1]!) : trimmed;
}

/** Checks form, signature (constant time, any key still in the keyring) and expiry. */
export function verifyLinkToken(
  keyring: Keyring,
  token: string,
  nowMs: number,
): { ok: true; claims: LinkClaims } | { ok: false; reason: LinkRefusal; claims?: LinkClaims } {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, kid, payload, sig] = match as unknown as [string, string, string, string];
  const key = keyring.get('link', kid);
  if (!key) return { ok: false, reason: 'bad_signature' };
  // Compared as text: decoding would ignore the spare low bits of the 43rd character, so an altered
  // signature could still pass.
  const expected = Buffer.from(b64(sign(key, `v1.${kid}.${payload}`)));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  let claims: LinkClaims;
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      typeof raw.c !== 'string' ||
      !(LINK_TASKS as readonly unknown[]).includes(raw.t) ||
      !Number.isSafeInteger(raw.g) ||
      !Number.isSafeInteger(raw.e)
    ) {
      return { ok: false, reason: 'malformed' };
    }
    // A subprocessor's link names its subprocessor; no other link does.
    const forSubprocessor = raw.t === 'subprocessor_certify';
    if (forSubprocessor !== (typeof raw.s === 'string' && /^s[1-9][0-9]?$/.test(raw.s)))
      return { ok: false, reason: 'malformed' };
    claims = {
      caseId: raw.c,
      task: raw.t as LinkTaskKind,
      gen: raw.g as number,
      expiresAt: raw.e as number,
      ...(forSubprocessor ? { sub: raw.s as string } : {}),
    };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // Valid through the second it names; refused from the next one on.
  if (Math.floor(nowMs / 1000) > claims.expiresAt) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/**
 * What the case record says of a verified link: its task must be open, in its current generation (a
 * subprocessor's: that subprocessor not yet settled).
 */
export function checkLinkAgainstRecord(
  claims: LinkClaims,
  record:
    | {
        status: string;
        openTask?: { kind: string; gen: number } | undefined;
        state?: { subprocessors?: { id: string; gen: number; certification?: unknown; waiver?: unknown }[] };
      }
    | undefined,
): LinkRefusal | undefined {
  if (!record) return 'case_not_found';
  if (record.status === 'completed' || record.status === 'cancelled') return 'case_closed';
  if (claims.sub) {
    const sub = record.state?.subprocessors?.find((s) => s.id === claims.sub);
    if (!sub || sub.certification || sub.waiver) return 'task_closed';
    return sub.gen === claims.gen ? undefined : claims.gen < sub.gen ? 'superseded' : 'task_closed';
  }
  if (!record.openTask || record.openTask.kind !== claims.task) return 'task_closed';
  if (record.openTask.gen !== claims.gen) return claims.gen < record.openTask.gen ? 'superseded' : 'task_closed';
  return undefined;
}

/** A link expires at its task's due time plus LINK_GRACE. */
export const linkExpiry = (dueAtMs: number, graceMs: number): number => Math.floor((dueAtMs + graceMs) / 1000);
