// Each audit log's head, kept outside the database it protects: after every append, the latest entry's number
// (the access log's sequence number, the intrusion log's event id) and hash, signed with the server key, are
// written (atomically) to a file beside the keys. Someone who can change the database but not this machine's disk
// can cut off the end of a chain, and the chain alone would not show it; the anchor does: `audit verify` finds the
// anchored entry missing (a cut) or different (a rewrite).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Keyring } from '../keys/keys';

export interface AnchoredHead {
  /** The access log's sequence number, or the intrusion log's event id. */
  seq: number;
  hash: string;
  /** When the anchor was written. */
  at: number;
  /** The signing key's id, and its Ed25519 signature over its log's format, `seq`, `hash` and `at`. */
  kid: string;
  signature: string;
}

/** The two logs anchored: each its own file, and its own text signed (one log's anchor is no proof for the other). */
export const ANCHORED_LOGS = {
  accessLog: { file: 'access-log.anchor.json', format: 'disposition-access-log-head/1' },
  intrusions: { file: 'intrusion-log.anchor.json', format: 'disposition-intrusion-log-head/1' },
} as const;
export type AnchoredLog = keyof typeof ANCHORED_LOGS;

const parseAnchor = (text: string | undefined): AnchoredHead | undefined =>
  text === undefined ? undefined : (JSON.parse(text) as AnchoredHead);

function absentAsUndefined(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}

export class LogHeadAnchor {
  private anchoredSeq = 0;
  private readonly file: string;
  private readonly format: string;
  /** Renewals one after the other: two writes at once could leave the earlier head in the file. */
  private renewing: Promise<void> = Promise.resolve();
  private wanted?: { seq: number; hash: string };

  constructor(
    keysDir: string,
    log: AnchoredLog,
    private readonly keyring: Pick<Keyring, 'currentSigning' | 'signingPublicKey'>,
  ) {
    this.file = path.join(keysDir, ANCHORED_LOGS[log].file);
    this.format = ANCHORED_LOGS[log].format;
  }

  private text(head: Pick<AnchoredHead, 'seq' | 'hash' | 'at'>): string {
    return `${this.format} ${head.seq} ${head.hash} ${head.at}`;
  }

  /**
   * Moves the anchor to `head` unless it already holds a later entry (another process of this node wrote one).
   * The file is read, written and renamed on the thread pool: a busy server goes on answering meanwhile, and its
   * appends gather into the next batch. Renewals asked for at once are made in turn.
   */
  renew(head: { seq: number; hash: string }, now = Date.now()): Promise<void> {
    // Heads asked for while a write is under way gather: the next turn writes the latest of them, the rest find
    // it written (a burst of refusals costs one write per turn, not one per event).
    if (!this.wanted || head.seq > this.wanted.seq) this.wanted = head;
    const turn = this.renewing.then(() => this.write(this.wanted!, now));
    this.renewing = turn.catch(() => undefined);
    return turn;
  }

  private async write(head: { seq: number; hash: string }, now: number): Promise<void> {
    if (head.seq <= this.anchoredSeq) return;
    const held = parseAnchor(await fsp.readFile(this.file, 'utf8').catch(absentAsUndefined));
    if (held && held.seq >= head.seq) {
      this.anchoredSeq = held.seq;
      return;
    }
    const signing = this.keyring.currentSigning();
    const anchored: AnchoredHead = { seq: head.seq, hash: head.hash, at: now, kid: signing.kid, signature: '' };
    anchored.signature = crypto.sign(null, Buffer.from(this.text(anchored)), signing.privateKey).toString('base64');
    // Its own name: two stores opened in one process (npm start's server and worker) anchor the same file.
    const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, `${JSON.stringify(anchored)}\n`, { mode: 0o600 });
    await fsp.rename(tmp, this.file);
    this.anchoredSeq = head.seq;
  }

  read(): AnchoredHead | undefined {
    try {
      return parseAnchor(fs.readFileSync(this.file, 'utf8'));
    } catch (err) {
      return absentAsUndefined(err);
    }
  }

  /** The anchor, and whether the server key signed it (an anchor edited by hand proves nothing). */
  checked(): { head: AnchoredHead; signed: boolean } | undefined {
    const head = this.read();
    if (!head) return undefined;
    const key = this.keyring.signingPublicKey(head.kid);
    let signed = false;
    try {
      signed = Boolean(
        key && crypto.verify(null, Buffer.from(this.text(head)), key, Buffer.from(head.signature, 'base64')),
      );
    } catch {
      signed = false;
    }
    return { head, signed };
  }

  get location(): string {
    return this.file;
  }
}
