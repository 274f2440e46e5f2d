// Keys for several nodes: with DATABASE_URL the keyring lives in the database, each secret wrapped by KEYRING_KEY;
// a rotation on one node reaches the others within seconds, and old data stays readable.
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../infra/database/open-stores';
import { Keyring, KeyringError, openKeyring, wrappingKeyFrom } from '../infra/keys/keys';
import { makeLinkToken, verifyLinkToken } from '../infra/keys/link-tokens';
import { DATABASE_BACKENDS } from './support/database-backends';

const postgres = DATABASE_BACKENDS.find((b) => b.name === 'PostgreSQL')!;

describe('the keyring shared through PostgreSQL', () => {
  let settings: Awaited<ReturnType<typeof postgres.fresh>>;
  let stores: Stores;
  const wrapping = crypto.randomBytes(32);
  const opened: Keyring[] = [];

  beforeEach(async () => {
    settings = await postgres.fresh();
    stores = await openStores(settings);
  });
  afterEach(async () => {
    for (const keyring of opened.splice(0)) keyring.close();
    await stores?.close();
    await settings?.drop();
  });

  const node = async (): Promise<Keyring> => {
    const keyring = await Keyring.openShared(stores.database, wrapping);
    opened.push(keyring);
    return keyring;
  };

  it('gives every node the same keys, made once by whichever starts first', async () => {
    const [a, b, c] = await Promise.all([node(), node(), node()]);
    expect(b.current('link').kid).toBe(a.current('link').kid);
    expect(c.currentSigning().kid).toBe(a.currentSigning().kid);
    expect(c.currentCertificate().certificate.equals(a.currentCertificate().certificate)).toBe(true);
    expect(Number((await stores.database.get<{ n: number }>('SELECT COUNT(*) AS n FROM keyring_keys'))!.n)).toBe(5);
  });

  it('gives a keyring made before statements were signed inside the PDF its first certificate, once', async () => {
    await node();
    await stores.database.run("DELETE FROM keyring_keys WHERE purpose = 'certificate'");
    const [a, b] = await Promise.all([node(), node()]);
    expect(
      Number(
        (await stores.database.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM keyring_keys WHERE purpose = 'certificate'",
        ))!.n,
      ),
    ).toBe(1);
    expect(b.currentCertificate().kid).toBe(a.currentCertificate().kid);
  });

  it('keeps no secret in clear in the database', async () => {
    const keyring = await node();
    const rows = await stores.database.all<{ wrapped: string }>('SELECT wrapped FROM keyring_keys');
    const dump = JSON.stringify(rows);
    for (const purpose of ['payload', 'file', 'link'] as const)
      expect(dump).not.toContain(keyring.current(purpose).key.toString('base64'));
    expect(dump).not.toContain('PRIVATE KEY');
    expect(keyring.currentCertificate().privateKey.asymmetricKeyType).toBe('ec');
  });

  it('reaches every node within seconds of `keys rotate` on one, and old links still verify', async () => {
    const [a, b] = [await node(), await node()];
    const claims = {
      caseId: 'Case0001',
      task: 'acknowledge' as const,
      gen: 1,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    };
    const before = makeLinkToken(b, claims);
    const { kids } = await a.rotate();
    expect(a.current('link').kid).toBe(kids.link);
    const deadline = Date.now() + 10_000;
    while (b.current('link').kid !== kids.link && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(b.current('link').kid).toBe(kids.link);
    expect(b.currentSigning().kid).toBe(kids.signing);
    // A new statement certificate for new statements; the old one still listed, so old statements verify.
    expect(b.currentCertificate().kid).toBe(kids.certificate);
    expect(b.certificates().map((c) => c.kid)).toEqual([kids.certificate, expect.any(String)]);
    expect(verifyLinkToken(b, before, Date.now()).ok).toBe(true);
    expect(verifyLinkToken(a, makeLinkToken(b, claims), Date.now()).ok).toBe(true);
  }, 20_000);

  it('refuses another wrapping key, naming what to do', async () => {
    await node();
    await expect(Keyring.openShared(stores.database, crypto.randomBytes(32))).rejects.toThrow(
      /KEYRING_KEY does not open the keyring .* every node needs the same KEYRING_KEY/,
    );
  });

  it('refuses to start without a wrapping key and says how to make one', async () => {
    await expect(
      openKeyring({ keysDir: '/nonexistent', databaseUrl: settings.databaseUrl! }, stores.database, {}),
    ).rejects.toThrow(/openssl rand -base64 32/);
    expect(() => wrappingKeyFrom({ KEYRING_KEY: Buffer.alloc(16).toString('base64') })).toThrow(KeyringError);
    expect(wrappingKeyFrom({ KEYRING_KEY: wrapping.toString('base64') }).equals(wrapping)).toBe(true);
  });
});
