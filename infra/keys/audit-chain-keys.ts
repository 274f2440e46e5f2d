// The keys the audit chains are hashed with (the access log and the intrusion log, infra/database/access-log.ts).
// Each is derived (HKDF-SHA256) from a link key of the keyring and carries its id, so a rotation moves new
// entries to a new key while older entries keep verifying under theirs. The keyring is a file beside the keys
// on one machine and sealed by KEYRING_KEY on several: whoever holds the database alone holds none of them.
import crypto from 'node:crypto';
import type { ChainKey } from '../database/access-log';
import type { Keyring } from './keys';

const INFO = 'disposition-audit-chain/1';

export class AuditChainKeys {
  private readonly derived = new Map<string, Buffer>();

  constructor(private readonly keyring: Pick<Keyring, 'current' | 'get'>) {}

  /** The key new entries are hashed with. */
  current(): ChainKey {
    const { kid, key } = this.keyring.current('link');
    return { kid, key: this.derive(kid, key) };
  }

  /** The key `kid`, or undefined when this keyring does not hold it (another installation's, or made up). */
  get(kid: string): ChainKey | undefined {
    const known = this.derived.get(kid);
    if (known) return { kid, key: known };
    const link = this.keyring.get('link', kid);
    return link ? { kid, key: this.derive(kid, link) } : undefined;
  }

  private derive(kid: string, linkKey: Buffer): Buffer {
    let key = this.derived.get(kid);
    if (!key) {
      key = Buffer.from(crypto.hkdfSync('sha256', linkKey, Buffer.alloc(0), INFO, 32));
      this.derived.set(kid, key);
    }
    return key;
  }
}
