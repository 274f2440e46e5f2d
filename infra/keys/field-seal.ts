// Personal data at rest in the database (7400.1 I.F): the columns that hold names, addresses and file names are
// sealed with AES-256-GCM under the keyring's file key, each bound to its row and column, so a copy of
// disposition.db (or a PostgreSQL dump) shows none of them and a value moved to another row does not open.
//
// Text:  "~s1~" kid "~" base64(nonce 12 | tag 16 | ciphertext)
// Bytes: "DSF1" | kid length (1) | kid | nonce 12 | tag 16 | ciphertext
// What was written before sealing (JSON, a sentence, a raw message) is read as it is, and sealed by `sweep`.
import crypto from 'node:crypto';
import type { Keyring } from './keys';

const TEXT_PREFIX = '~s1~';
const BYTES_MAGIC = Buffer.from('DSF1');

/** AES-256-GCM over `plain` with `aad`: nonce | tag | ciphertext. */
export function gcmSeal(key: Buffer, aad: string, plain: Buffer): Buffer {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]);
}

/** The inverse of gcmSeal; throws when the bytes, the key or the binding do not match. */
export function gcmOpen(key: Buffer, aad: string, sealed: Buffer): Buffer {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

export class FieldSeal {
  constructor(private readonly keyring: Pick<Keyring, 'current' | 'get'>) {}

  static isSealed(stored: string): boolean {
    return stored.startsWith(TEXT_PREFIX);
  }

  static isSealedBytes(stored: Buffer): boolean {
    return stored.subarray(0, 4).equals(BYTES_MAGIC);
  }

  /** `binding` names the row and column (e.g. "case|c_1|state"): the value opens there and nowhere else. */
  seal(text: string, binding: string): string {
    const { kid, key } = this.keyring.current('file');
    return `${TEXT_PREFIX}${kid}~${gcmSeal(key, binding, Buffer.from(text, 'utf8')).toString('base64')}`;
  }

  /** A value an earlier version may have stored in the clear: sealed unless it is absent or sealed already. */
  sealIfClear(value: string | null, binding: string): string | null {
    return value === null || FieldSeal.isSealed(value) ? value : this.seal(value, binding);
  }

  open(stored: string, binding: string): string {
    if (!FieldSeal.isSealed(stored)) return stored;
    const end = stored.indexOf('~', TEXT_PREFIX.length);
    const kid = stored.slice(TEXT_PREFIX.length, end);
    return gcmOpen(this.key(kid, binding), binding, Buffer.from(stored.slice(end + 1), 'base64')).toString('utf8');
  }

  sealBytes(bytes: Buffer, binding: string): Buffer {
    const { kid, key } = this.keyring.current('file');
    const id = Buffer.from(kid, 'utf8');
    return Buffer.concat([BYTES_MAGIC, Buffer.from([id.length]), id, gcmSeal(key, binding, bytes)]);
  }

  openBytes(stored: Buffer, binding: string): Buffer {
    if (!FieldSeal.isSealedBytes(stored)) return stored;
    const length = stored[4]!;
    const kid = stored.subarray(5, 5 + length).toString('utf8');
    return gcmOpen(this.key(kid, binding), binding, stored.subarray(5 + length));
  }

  private key(kid: string, binding: string): Buffer {
    const key = this.keyring.get('file', kid);
    if (!key)
      throw new Error(
        `the file key ${kid} that seals ${binding} is not in the keyring (KEYS_DIR, or the database's keyring)`,
      );
    return key;
  }
}
