// The keyring: payload, file and link keys (AES-256 / HMAC-SHA256), the key that signs statement records (Ed25519)
// and the certificate with its key that signs inside each statement PDF (PAdES; a district may bring its own).
// On one machine it is a file in KEYS_DIR (mode 0600, made on first start); on several it lives in the database,
// each secret wrapped by KEYRING_KEY. Rotation adds keys; old ones stay to read old data; every process picks a
// rotation up within seconds.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDatabase } from '../database/sql-database';
import { makeSelfSignedCertificate } from '../statement/signing-certificate';

export type KeyPurpose = 'payload' | 'file' | 'link';

interface SecretKey {
  kid: string;
  key: string;
  createdAt: string;
}
interface SigningKey {
  kid: string;
  privateKey: string;
  publicKey: string;
  createdAt: string;
}
interface CertifiedKey {
  kid: string;
  privateKey: string;
  certificate: string;
  createdAt: string;
}
export interface KeyringData {
  version: 1;
  payload: SecretKey[];
  file: SecretKey[];
  link: SecretKey[];
  signing: SigningKey[];
  /** Statement PDF signing certificates; absent from keyrings made before PDFs were signed (added on open). */
  certificates?: CertifiedKey[];
}

/** Who the keyring's certificates name when it makes one. */
export interface KeyringOptions {
  districtName?: string;
}

/** Where the keys are kept: read whole, rotated by appending a key of every kind. */
interface KeyringSource {
  /** A newer keyring than `knownAt` if the source can tell cheaply and at once (a file's mtime); else undefined. */
  newer(): KeyringData | undefined;
  rotate(options: KeyringOptions): Promise<KeyringData>;
  close(): void;
}

const FILE_NAME = 'keyring.json';
const REFRESH_MS = 2000;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

export class Keyring {
  private checkedAt = Date.now();
  private readonly parsedKeys = new Map<string, unknown>();

  private constructor(
    private data: KeyringData,
    private readonly source: KeyringSource,
    private readonly options: KeyringOptions,
  ) {}

  /** Loads the keyring from `dir`, creating it (and the folder, mode 0700) when there is none. */
  static open(dir: string, options: KeyringOptions = {}): Keyring {
    const file = path.join(dir, FILE_NAME);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyring = (data: KeyringData): Keyring => new Keyring(data, new FileKeyringSource(file), options);
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringData;
      return keyring(data.certificates?.length ? data : FileKeyringSource.addCertificate(file, options));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new KeyringError(`cannot read the keyring ${file}: ${(err as Error).message}`);
    }
    const data = emptyKeyring();
    addKeys(data, options);
    try {
      fs.writeFileSync(file, JSON.stringify(data, null, 2), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        return keyring(JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringData);
      throw err;
    }
    return keyring(data);
  }

  /** The keyring every node shares, in the database, each secret wrapped by `wrappingKey` (32 bytes). */
  static async openShared(db: SqlDatabase, wrappingKey: Buffer, options: KeyringOptions = {}): Promise<Keyring> {
    const source = await DatabaseKeyringSource.open(db, wrappingKey, options);
    const keyring = new Keyring(source.loaded, source, options);
    source.onChange = (data) => {
      keyring.data = data;
    };
    return keyring;
  }

  /** Adds a new key of every kind; it is used from now on while older keys keep verifying and decrypting. */
  async rotate(): Promise<{ kids: Record<KeyPurpose | 'signing' | 'certificate', string> }> {
    this.data = await this.source.rotate(this.options);
    return {
      kids: {
        payload: this.current('payload').kid,
        file: this.current('file').kid,
        link: this.current('link').kid,
        signing: this.currentSigning().kid,
        certificate: this.currentCertificate().kid,
      },
    };
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
      this.refresh(true);
      entry = this.data[purpose].find((k) => k.kid === kid);
    }
    return entry ? Buffer.from(entry.key, 'base64') : undefined;
  }

  private refresh(now = false): void {
    const at = Date.now();
    if (!now && at - this.checkedAt < REFRESH_MS) return;
    this.checkedAt = at;
    const newer = this.source.newer();
    if (newer) this.data = newer;
  }

  /** Keys to verify with: the current one first, then older ones (links made before a rotation). */
  all(purpose: KeyPurpose): { kid: string; key: Buffer }[] {
    return [...this.data[purpose]].reverse().map((k) => ({ kid: k.kid, key: Buffer.from(k.key, 'base64') }));
  }

  /**
   * A key parsed from its PEM once per key id: the access log's anchor is signed after every batch of appends,
   * and parsing the PEM each time was most of a busy server's time (bench:http).
   */
  private parsed<T>(kid: string, parse: () => T): T {
    let key = this.parsedKeys.get(kid) as T | undefined;
    if (key === undefined) {
      key = parse();
      this.parsedKeys.set(kid, key);
    }
    return key;
  }

  currentSigning(): { kid: string; privateKey: crypto.KeyObject; publicKeyPem: string } {
    this.refresh();
    const entry = this.data.signing.at(-1)!;
    return {
      kid: entry.kid,
      privateKey: this.parsed(`signing ${entry.kid}`, () => crypto.createPrivateKey(entry.privateKey)),
      publicKeyPem: entry.publicKey,
    };
  }

  signingPublicKey(kid: string): crypto.KeyObject | undefined {
    if (!this.data.signing.some((k) => k.kid === kid)) this.refresh(true);
    const entry = this.data.signing.find((k) => k.kid === kid);
    return entry
      ? this.parsed(`signing public ${entry.kid}`, () => crypto.createPublicKey(entry.publicKey))
      : undefined;
  }

  /** The certificate and key that sign statement PDFs now (unless the district brings its own: SIGNING_P12). */
  currentCertificate(): { kid: string; certificate: Buffer; privateKey: crypto.KeyObject } {
    this.refresh();
    const entry = this.data.certificates!.at(-1)!;
    return this.parsed(`certificate ${entry.kid}`, () => ({
      kid: entry.kid,
      certificate: Buffer.from(new crypto.X509Certificate(entry.certificate).raw),
      privateKey: crypto.createPrivateKey(entry.privateKey),
    }));
  }

  /** Every statement-signing certificate this keyring made, newest first: old statements verify after a rotation. */
  certificates(): { kid: string; certificate: crypto.X509Certificate; createdAt: string }[] {
    this.refresh();
    return [...(this.data.certificates ?? [])]
      .reverse()
      .map((c) => ({ kid: c.kid, certificate: new crypto.X509Certificate(c.certificate), createdAt: c.createdAt }));
  }

  /** Stops watching for rotations (the database keyring polls). */
  close(): void {
    this.source.close();
  }
}

class FileKeyringSource implements KeyringSource {
  private mtimeMs: number;

  constructor(private readonly file: string) {
    this.mtimeMs = safeMtime(file);
  }

  newer(): KeyringData | undefined {
    if (safeMtime(this.file) === this.mtimeMs) return undefined;
    try {
      this.mtimeMs = safeMtime(this.file);
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyringData;
    } catch {
      return undefined; // keep what we have
    }
  }

  async rotate(options: KeyringOptions): Promise<KeyringData> {
    const fresh = FileKeyringSource.update(this.file, (data) => addKeys(data, options));
    this.mtimeMs = safeMtime(this.file);
    return fresh;
  }

  /** A keyring made before statements were signed inside the PDF gets its first certificate. */
  static addCertificate(file: string, options: KeyringOptions): KeyringData {
    return FileKeyringSource.update(file, (data) => {
      if (!data.certificates?.length) (data.certificates ??= []).push(certifiedKey(options, new Date().toISOString()));
    });
  }

  /** Reads the file afresh, changes it, and replaces it whole (rename), so a reader never sees half a keyring. */
  private static update(file: string, change: (data: KeyringData) => void): KeyringData {
    const fresh = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyringData;
    change(fresh);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(fresh, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
    return fresh;
  }

  close(): void {}
}

interface KeyRow {
  kid: string;
  purpose: string;
  seq: number;
  created_at: string;
  wrapped: string;
  public_key: string | null;
}

/**
 * Keys in the database table `keyring_keys`, each secret sealed with AES-256-GCM under the wrapping key, its kid
 * and purpose bound as additional data (a row cannot be passed off as another). A poll every two seconds picks
 * up a rotation made on any node.
 */
class DatabaseKeyringSource implements KeyringSource {
  onChange?: (data: KeyringData) => void;
  private timer?: NodeJS.Timeout;
  private top = 0;

  private constructor(
    private readonly db: SqlDatabase,
    private readonly wrappingKey: Buffer,
    public loaded: KeyringData,
  ) {}

  static async open(db: SqlDatabase, wrappingKey: Buffer, options: KeyringOptions): Promise<DatabaseKeyringSource> {
    if (wrappingKey.length !== 32)
      throw new KeyringError('KEYRING_KEY must be 32 bytes in base64 (make one with: openssl rand -base64 32)');
    const source = new DatabaseKeyringSource(db, wrappingKey, emptyKeyring());
    // The first node to start makes the keys; the others wait on the lock and read them.
    await db.transaction(async (tx) => {
      await tx.lock('keyring');
      const { n } = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM keyring_keys'))!;
      if (Number(n) === 0) await source.insertKeys(tx, options);
      else if (!(await tx.get("SELECT kid FROM keyring_keys WHERE purpose = 'certificate' LIMIT 1"))) {
        // A keyring made before statements were signed inside the PDF gets its first certificate.
        const c = certifiedKey(options, new Date().toISOString());
        const seq =
          Number((await tx.get<{ top: number | null }>('SELECT MAX(seq) AS top FROM keyring_keys'))?.top ?? 0) + 1;
        await tx.run(INSERT_KEY, [
          c.kid,
          'certificate',
          seq,
          c.createdAt,
          source.seal(c.kid, 'certificate', c.privateKey),
          c.certificate,
        ]);
      }
    });
    source.loaded = await source.read();
    source.timer = setInterval(() => void source.poll(), REFRESH_MS);
    source.timer.unref();
    return source;
  }

  newer(): KeyringData | undefined {
    return undefined; // the poll delivers rotations
  }

  private async poll(): Promise<void> {
    try {
      const row = await this.db.get<{ top: number | null }>('SELECT MAX(seq) AS top FROM keyring_keys');
      if ((row?.top ?? 0) !== this.top) this.onChange?.((this.loaded = await this.read()));
    } catch (err) {
      console.error(`[keys] the keyring could not be read from ${this.db.location}: ${(err as Error).message}`);
    }
  }

  async rotate(options: KeyringOptions): Promise<KeyringData> {
    await this.db.transaction(async (tx) => {
      await tx.lock('keyring');
      await this.insertKeys(tx, options);
    });
    this.loaded = await this.read();
    this.onChange?.(this.loaded);
    return this.loaded;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async insertKeys(tx: Pick<SqlDatabase, 'get' | 'run'>, options: KeyringOptions): Promise<void> {
    const data = emptyKeyring();
    addKeys(data, options);
    let seq = Number((await tx.get<{ top: number | null }>('SELECT MAX(seq) AS top FROM keyring_keys'))?.top ?? 0);
    for (const purpose of ['payload', 'file', 'link'] as const) {
      const k = data[purpose][0]!;
      await tx.run(INSERT_KEY, [k.kid, purpose, (seq += 1), k.createdAt, this.seal(k.kid, purpose, k.key), null]);
    }
    const s = data.signing[0]!;
    await tx.run(INSERT_KEY, [
      s.kid,
      'signing',
      (seq += 1),
      s.createdAt,
      this.seal(s.kid, 'signing', s.privateKey),
      s.publicKey,
    ]);
    const c = data.certificates![0]!;
    await tx.run(INSERT_KEY, [
      c.kid,
      'certificate',
      (seq += 1),
      c.createdAt,
      this.seal(c.kid, 'certificate', c.privateKey),
      c.certificate,
    ]);
  }

  private async read(): Promise<KeyringData> {
    const rows = await this.db.all<KeyRow>('SELECT * FROM keyring_keys ORDER BY seq');
    const data = emptyKeyring();
    for (const row of rows) {
      const secret = this.open(row);
      if (row.purpose === 'signing')
        data.signing.push({ kid: row.kid, privateKey: secret, publicKey: row.public_key!, createdAt: row.created_at });
      else if (row.purpose === 'certificate')
        data.certificates!.push({
          kid: row.kid,
          privateKey: secret,
          certificate: row.public_key!,
          createdAt: row.created_at,
        });
      else data[row.purpose as KeyPurpose].push({ kid: row.kid, key: secret, createdAt: row.created_at });
      this.top = row.seq;
    }
    return data;
  }

  seal(kid: string, purpose: string, secret: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.wrappingKey, iv);
    cipher.setAAD(Buffer.from(`${kid}|${purpose}`));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  private open(row: KeyRow): string {
    const raw = Buffer.from(row.wrapped, 'base64');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.wrappingKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${row.kid}|${row.purpose}`));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyringError(
        `KEYRING_KEY does not open the keyring in ${this.db.location} (key ${row.kid}): every node needs the same KEYRING_KEY`,
      );
    }
  }
}

/** KEYRING_KEY (base64) or the file KEYRING_KEY_FILE names; a clear refusal when neither is there. */
export function wrappingKeyFrom(env: NodeJS.ProcessEnv): Buffer {
  let text = env.KEYRING_KEY;
  if (!text && env.KEYRING_KEY_FILE) {
    try {
      text = fs.readFileSync(env.KEYRING_KEY_FILE, 'utf8').trim();
    } catch (err) {
      throw new KeyringError(`KEYRING_KEY_FILE=${env.KEYRING_KEY_FILE} cannot be read: ${(err as Error).message}`);
    }
  }
  if (!text) {
    throw new KeyringError(
      'with DATABASE_URL the keyring lives in the database and needs a wrapping key: set KEYRING_KEY to 32 random bytes in base64 (make one with: openssl rand -base64 32), the same on every node, or KEYRING_KEY_FILE to a file holding it',
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new KeyringError('KEYRING_KEY must be 32 bytes in base64 (make one with: openssl rand -base64 32)');
  return key;
}

const INSERT_KEY =
  'INSERT INTO keyring_keys (kid, purpose, seq, created_at, wrapped, public_key) VALUES (?, ?, ?, ?, ?, ?)';

function emptyKeyring(): KeyringData {
  return { version: 1, payload: [], file: [], link: [], signing: [], certificates: [] };
}

function safeMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const newKid = (): string => crypto.randomBytes(6).toString('base64url');

function certifiedKey(options: KeyringOptions, createdAt: string): CertifiedKey {
  const made = makeSelfSignedCertificate(options.districtName ?? 'Disposition', new Date(createdAt));
  return { kid: newKid(), privateKey: made.privateKeyPem, certificate: made.certificatePem, createdAt };
}

function addKeys(data: KeyringData, options: KeyringOptions): void {
  const createdAt = new Date().toISOString();
  for (const purpose of ['payload', 'file', 'link'] as const) {
    data[purpose].push({ kid: newKid(), key: crypto.randomBytes(32).toString('base64'), createdAt });
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  data.signing.push({
    kid: newKid(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt,
  });
  (data.certificates ??= []).push(certifiedKey(options, createdAt));
}

/** The keyring of this process: the file in KEYS_DIR on one machine, the database's with DATABASE_URL. */
export async function openKeyring(
  config: { keysDir: string; databaseUrl?: string; districtName?: string },
  database: SqlDatabase,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Keyring> {
  const options = { districtName: config.districtName };
  return config.databaseUrl
    ? Keyring.openShared(database, wrappingKeyFrom(env), options)
    : Keyring.open(config.keysDir, options);
}
