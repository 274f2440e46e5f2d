// The keyring: payload, file and link keys (AES-256 / HMAC-SHA256) and the statement signing key (Ed25519).
// Created on first start in KEYS_DIR with mode 0600. Rotation adds keys; old ones stay to read old data.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type KeyPurpose = 'payload' | 'file' | 'link';

interface SecretKey { kid: string; key: string; createdAt: string }
interface SigningKey { kid: string; privateKey: string; publicKey: string; createdAt: string }
interface KeyringFile {
  version: 1;
  payload: SecretKey[];
  file: SecretKey[];
  link: SecretKey[];
  signing: SigningKey[];
}

const FILE_NAME = 'keyring.json';

export class Keyring {
  private checkedAt = Date.now();
  private mtimeMs: number;

  private constructor(private readonly file: string, private data: KeyringFile) {
    this.mtimeMs = safeMtime(file);
  }

  /** Loads the keyring from `dir`, creating it (and the folder, mode 0700) when there is none. */
  static open(dir: string): Keyring {
    const file = path.join(dir, FILE_NAME);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      return new Keyring(file, JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the keyring ${file}: ${(err as Error).message}`);
    }
    const data: KeyringFile = { version: 1, payload: [], file: [], link: [], signing: [] };
    addKeys(data);
    try {
      fs.writeFileSync(file, JSON.stringify(data, null, 2), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return new Keyring(file, JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringFile);
      throw err;
    }
    return new Keyring(file, data);
  }

  /** Adds a new key of every kind; it is used from now on while older keys keep verifying and decrypting. */
  rotate(): { kids: Record<KeyPurpose | 'signing', string> } {
    const fresh = JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyringFile;
    addKeys(fresh);
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(fresh, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.data = fresh;
    this.mtimeMs = safeMtime(this.file);
    return { kids: { payload: this.current('payload').kid, file: this.current('file').kid, link: this.current('link').kid, signing: this.currentSigning().kid } };
  }

  /** The key to encrypt and sign with now; a rotation by another process is picked up within seconds. */
  current(purpose: KeyPurpose): { kid: string; key: Buffer } {
    this.refresh();
    const entry = this.data[purpose].at(-1)!;
    return { kid: entry.kid, key: Buffer.from(entry.key, 'base64') };
  }

  /** The key `kid`; a key another process added by rotation since we loaded is picked up here. */
  get(purpose: KeyPurpose, kid: string): Buffer | undefined {
    let entry = this.data[purpose].find((k) => k.kid === kid);
    if (!entry) {
      this.reload();
      entry = this.data[purpose].find((k) => k.kid === kid);
    }
    return entry ? Buffer.from(entry.key, 'base64') : undefined;
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 2000) return;
    this.checkedAt = now;
    if (safeMtime(this.file) !== this.mtimeMs) this.reload();
  }

  private reload(): void {
    try {
      this.mtimeMs = safeMtime(this.file);
      this.data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyringFile;
    } catch {
      // keep what we have
    }
  }

  /** Keys to verify with: the current one first, then older ones (links made before a rotation). */
  all(purpose: KeyPurpose): { kid: string; key: Buffer }[] {
    return [...this.data[purpose]].reverse().map((k) => ({ kid: k.kid, key: Buffer.from(k.key, 'base64') }));
  }

  currentSigning(): { kid: string; privateKey: crypto.KeyObject; publicKeyPem: string } {
    this.refresh();
    const entry = this.data.signing.at(-1)!;
    return { kid: entry.kid, privateKey: crypto.createPrivateKey(entry.privateKey), publicKeyPem: entry.publicKey };
  }

  signingPublicKey(kid: string): crypto.KeyObject | undefined {
    if (!this.data.signing.some((k) => k.kid === kid)) this.reload();
    const entry = this.data.signing.find((k) => k.kid === kid);
    return entry ? crypto.createPublicKey(entry.publicKey) : undefined;
  }
}

function safeMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function addKeys(data: KeyringFile): void {
  const createdAt = new Date().toISOString();
  const kid = () => crypto.randomBytes(6).toString('base64url');
  for (const purpose of ['payload', 'file', 'link'] as const) {
    data[purpose].push({ kid: kid(), key: crypto.randomBytes(32).toString('base64'), createdAt });
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  data.signing.push({
    kid: kid(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt,
  });
}
