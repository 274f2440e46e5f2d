// What BACKUP_PASSPHRASE protects in a backup: the keyring, sealed with AES-256-GCM (as the shared keyring's rows
// are sealed by KEYRING_KEY), and the manifest, MACed so a member swapped together with its listed hash is still
// caught. The key comes from the passphrase through scrypt, with a salt and costs kept in the archive's first
// member: a stolen archive is worth only as much as the passphrase is hard to guess.
import crypto from 'node:crypto';

export interface PassphraseCost {
  /** scrypt's parameters, and the salt (base64). */
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 bytes: 32 MiB of memory and about a tenth of a second a guess. */
export const newPassphraseCost = (): PassphraseCost => ({
  salt: crypto.randomBytes(16).toString('base64'),
  N: 2 ** 15,
  r: 8,
  p: 1,
});

/**
 * The costs a restore accepts from an archive's opening: this version's, up to four times the memory, never so
 * little that a guess is cheap nor so much that opening a forged archive takes the machine's memory (scrypt uses
 * N × r × 128 bytes: at most 256 MiB here).
 */
export function isSaneCost(cost: unknown): boolean {
  const { salt, N, r, p } = (cost ?? {}) as Partial<PassphraseCost>;
  const within = (value: unknown, low: number, high: number): value is number =>
    Number.isInteger(value) && (value as number) >= low && (value as number) <= high;
  return (
    typeof salt === 'string' &&
    Buffer.from(salt, 'base64').length >= 16 &&
    within(N, 2 ** 14, 2 ** 17) &&
    (N & (N - 1)) === 0 &&
    within(r, 8, 16) &&
    within(p, 1, 4)
  );
}

/** The passphrase is missing or too short: said before anything is read or written. */
export class BackupPassphraseError extends Error {
  override name = 'BackupPassphraseError';
}

export const MIN_PASSPHRASE = 12;

export function backupPassphrase(env: NodeJS.ProcessEnv, making: boolean): string {
  const passphrase = env.BACKUP_PASSPHRASE ?? '';
  if (!passphrase)
    throw new BackupPassphraseError(
      making
        ? 'set BACKUP_PASSPHRASE: it seals the keyring inside the backup, and the backup cannot be restored without it (keep it apart from the backup, like a password)'
        : 'set BACKUP_PASSPHRASE to the passphrase the backup was made with: it opens the keyring sealed inside',
    );
  if (making && passphrase.length < MIN_PASSPHRASE)
    throw new BackupPassphraseError(
      `BACKUP_PASSPHRASE must be at least ${MIN_PASSPHRASE} characters: it is all that protects the keyring in the backup`,
    );
  return passphrase;
}

export interface PassphraseKeys {
  sealKey: Buffer;
  macKey: Buffer;
}

export async function passphraseKeys(passphrase: string, cost: PassphraseCost): Promise<PassphraseKeys> {
  const derived = await new Promise<Buffer>((resolve, reject) =>
    crypto.scrypt(
      passphrase.normalize('NFC'),
      Buffer.from(cost.salt, 'base64'),
      64,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
  return { sealKey: derived.subarray(0, 32), macKey: derived.subarray(32) };
}

/** iv (12) | tag (16) | ciphertext; `binding` (the archive's first member) is the additional data. */
export function sealWith(key: Buffer, plain: Buffer, binding: Buffer): Buffer {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(binding);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

/** The plaintext, or undefined when the key (the passphrase) is not the one it was sealed with. */
export function openWith(key: Buffer, sealed: Buffer, binding: Buffer): Buffer | undefined {
  if (sealed.length < 28) return undefined;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(binding);
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  } catch {
    return undefined;
  }
}

export const macOf = (key: Buffer, text: string): string => crypto.createHmac('sha256', key).update(text).digest('hex');

export function macHolds(key: Buffer, text: string, mac: string): boolean {
  const expected = Buffer.from(macOf(key, text), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
