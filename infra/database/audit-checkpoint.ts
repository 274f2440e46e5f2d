// Audit checkpoints (7400.1 I.D, I.C): the heads of the access log and of the intrusion log, signed with the
// server key and mailed to the administrators every day. A mailbox is outside the database, and outside every
// node (on several machines there is no anchor file), so whoever can rewrite the database cannot reach the
// checkpoints: `audit verify --checkpoint FILE` then names an entry cut off after the checkpoint was taken, or a
// log rewritten (all hashes recomputed) up to it.
import crypto from 'node:crypto';
import type { Keyring } from '../keys/keys';
import type { AccessLog, AuditHeads } from './access-log';

export const CHECKPOINT_FORMAT = 'disposition-audit-checkpoint/1';

export interface AuditCheckpoint extends AuditHeads {
  format: typeof CHECKPOINT_FORMAT;
  district: string;
  /** When the heads were read (ISO 8601). */
  takenAt: string;
  /** The signing key's id, and its Ed25519 signature over `checkpointText`. */
  kid: string;
  signature: string;
}

/** The lines a signed document gives the logs' heads (a checkpoint, and a restore record: infra/backup). */
export const headsLines = (h: AuditHeads): string[] => [
  h.accessLog ? `access-log ${h.accessLog.seq} ${h.accessLog.hash}` : 'access-log empty',
  h.intrusions ? `intrusions ${h.intrusions.id} ${h.intrusions.hash}` : 'intrusions empty',
];

const checkpointText = (c: Omit<AuditCheckpoint, 'kid' | 'signature'>): string =>
  [c.format, c.district, c.takenAt, ...headsLines(c)].join('\n');

export type LogName = 'accessLog' | 'intrusions';

/**
 * The heads a signed document names that the logs no longer hold: cut back past (`gone`) or `rewritten` up to.
 * `beyond`: per log, a position past which a head is not looked for.
 */
export async function headsNotHeld(
  heads: AuditHeads,
  log: Pick<AccessLog, 'hashAt'>,
  beyond?: Record<LogName, number>,
): Promise<{ log: LogName; at: number; problem: 'gone' | 'rewritten' }[]> {
  const named = [
    { log: 'accessLog' as const, head: heads.accessLog && { at: heads.accessLog.seq, hash: heads.accessLog.hash } },
    { log: 'intrusions' as const, head: heads.intrusions && { at: heads.intrusions.id, hash: heads.intrusions.hash } },
  ];
  const found: { log: LogName; at: number; problem: 'gone' | 'rewritten' }[] = [];
  for (const { log: which, head } of named) {
    if (!head || (beyond && head.at > beyond[which])) continue;
    const hash = await log.hashAt(which, head.at);
    if (hash === undefined) found.push({ log: which, at: head.at, problem: 'gone' });
    else if (hash !== head.hash) found.push({ log: which, at: head.at, problem: 'rewritten' });
  }
  return found;
}

export async function takeCheckpoint(
  log: Pick<AccessLog, 'heads'>,
  keyring: Pick<Keyring, 'currentSigning'>,
  district: string,
  now = Date.now(),
): Promise<AuditCheckpoint> {
  const heads = await log.heads();
  const unsigned = { format: CHECKPOINT_FORMAT, district, takenAt: new Date(now).toISOString(), ...heads } as const;
  const signing = keyring.currentSigning();
  return {
    ...unsigned,
    kid: signing.kid,
    signature: crypto.sign(null, Buffer.from(checkpointText(unsigned)), signing.privateKey).toString('base64'),
  };
}

/** A checkpoint as read from a file: the shape, or a sentence saying what is wrong with it. */
export function parseCheckpoint(text: string): AuditCheckpoint {
  let value: Partial<AuditCheckpoint>;
  try {
    value = JSON.parse(text) as Partial<AuditCheckpoint>;
  } catch {
    throw new Error(
      'the checkpoint is not JSON: save the attachment of the checkpoint mail (audit-checkpoint-….json) as it came',
    );
  }
  const head = (h: unknown, key: 'seq' | 'id') =>
    h === null ||
    (typeof h === 'object' &&
      h !== null &&
      Number.isSafeInteger((h as Record<string, unknown>)[key]) &&
      typeof (h as Record<string, unknown>).hash === 'string');
  if (
    value.format !== CHECKPOINT_FORMAT ||
    typeof value.takenAt !== 'string' ||
    typeof value.kid !== 'string' ||
    typeof value.signature !== 'string' ||
    typeof value.district !== 'string' ||
    !head(value.accessLog, 'seq') ||
    !head(value.intrusions, 'id')
  ) {
    throw new Error(
      `the checkpoint is not a ${CHECKPOINT_FORMAT} file: save the attachment of the checkpoint mail as it came`,
    );
  }
  return value as AuditCheckpoint;
}

/**
 * What the logs say against a checkpoint: nothing when they still hold both heads it signed, else one sentence
 * per problem (an unsigned or edited checkpoint, an entry cut off, an entry rewritten). `endsAtBackup`: the logs
 * were restored from a backup taken before this checkpoint, so a head it saw past the backup's is not looked for
 * (the caller says that the log ends at the backup); a head at or before the backup's is checked as ever.
 */
export async function problemsAgainst(
  checkpoint: AuditCheckpoint,
  log: Pick<AccessLog, 'hashAt'>,
  keyring: Pick<Keyring, 'signingPublicKey'>,
  endsAtBackup?: { accessLog: number; intrusions: number },
): Promise<string[]> {
  const key = keyring.signingPublicKey(checkpoint.kid);
  let signed = false;
  try {
    signed = Boolean(
      key &&
      crypto.verify(null, Buffer.from(checkpointText(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64')),
    );
  } catch {
    signed = false;
  }
  if (!signed)
    return [
      `the checkpoint of ${checkpoint.takenAt} is not signed by a key of this keyring (${checkpoint.kid}): it was edited, or is another installation's`,
    ];
  const what = { accessLog: 'access log entry', intrusions: 'intrusion event' };
  return (await headsNotHeld(checkpoint, log, endsAtBackup)).map(({ log: which, at, problem }) =>
    problem === 'gone'
      ? `${what[which]} ${at}, which the checkpoint of ${checkpoint.takenAt} saw, is gone: the log was cut back past it`
      : `${what[which]} ${at} is not the one the checkpoint of ${checkpoint.takenAt} saw: the log was rewritten up to there`,
  );
}
