// The access log's head, kept outside the database it protects: after every append, the latest entry's sequence
// number and hash, signed with the server key, are written (atomically) to a file beside the keys. Someone who
// can change the database but not this machine's disk can cut off the end of the chain, or rewrite all of it
// consistently, and the chain alone would not show it; the anchor does: `audit verify` finds the anchored entry
// missing (a cut) or different (a rewrite).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Keyring } from '../keys/keys';

export interface AnchoredHead {
  seq: number;
  hash: string;
  /** When the anchor was written. */
  at: number;
  /** The signing key's id, and its Ed25519 signature over `anchorText`. */
  kid: string;
  signature: string;
}

const anchorText = (head: Pick<AnchoredHead, 'seq' | 'hash' | 'at'>): string =>
  `disposition-access-log-head/1 ${head.seq} ${head.hash} ${head.at}`;

export const ANCHOR_FILE = 'access-log.anchor.json';

const parseAnchor = (text: string | undefined): AnchoredHead | undefined =>
  text === undefined ? undefined : (JSON.parse(text) as AnchoredHead);

function absentAsUndefined(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}

export class AccessLogAnchor {
  private anchoredSeq = 0;

  constructor(
    private readonly file: string,
    private readonly keyring: Pick<Keyring, 'currentSigning' | 'signingPublicKey'>,
  ) {}

  /** The anchor beside the keys of this node (KEYS_DIR). */
  static beside(keysDir: string, keyring: Pick<Keyring, 'currentSigning' | 'signingPublicKey'>): AccessLogAnchor {
    return new AccessLogAnchor(path.join(keysDir, ANCHOR_FILE), keyring);
  }

  /**
   * Moves the anchor to `head` unless it already holds a later entry (another process of this node wrote one).
   * The file is read, written and renamed on the thread pool: a busy server goes on answering meanwhile, and its
   * appends gather into the next batch. The caller (the log's one writer in this process) awaits each in turn.
   */
  async renew(head: { seq: number; hash: string }, now = Date.now()): Promise<void> {
    if (head.seq <= this.anchoredSeq) return;
    const held = parseAnchor(await fsp.readFile(this.file, 'utf8').catch(absentAsUndefined));
    if (held && held.seq >= head.seq) {
      this.anchoredSeq = held.seq;
      return;
    }
    const signing = this.keyring.currentSigning();
    const anchored: AnchoredHead = { seq: head.seq, hash: head.hash, at: now, kid: signing.kid, signature: '' };
    anchored.signature = crypto.sign(null, Buffer.from(anchorText(anchored)), signing.privateKey).toString('base64');
    const tmp = `${this.file}.${process.pid}.tmp`;
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
        key && crypto.verify(null, Buffer.from(anchorText(head)), key, Buffer.from(head.signature, 'base64')),
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
