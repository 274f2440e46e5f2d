// Emailed link tokens: signature, expiry to the second, key rotation, and what the case record says of them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../infra/keys/keys';
import {
  checkLinkAgainstRecord,
  linkExpiry,
  makeLinkToken,
  tokenFromLink,
  verifyLinkToken,
  type LinkClaims,
} from '../infra/keys/link-tokens';

const claims: LinkClaims = { caseId: 'case-7f3a', task: 'certify', gen: 3, expiresAt: 1_900_000_000 };
const beforeExpiry = (claims.expiresAt - 3600) * 1000;

/** The same character set the token uses, so a swap keeps the token's form and only its content changes. */
const swapChar = (c: string): string => (c === 'A' ? 'B' : 'A');
const replaceAt = (text: string, index: number, c: string): string => text.slice(0, index) + c + text.slice(index + 1);

describe('link tokens', () => {
  let dir: string;
  let keyring: Keyring;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-link-tokens-'));
    keyring = Keyring.open(path.join(dir, 'keys'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a v1 token naming the current link key, which verifies to the same claims', () => {
    const token = makeLinkToken(keyring, claims);
    const parts = token.split('.');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(keyring.current('link').kid);
    expect(parts[3]).toHaveLength(43);
    expect(verifyLinkToken(keyring, token, beforeExpiry)).toEqual({ ok: true, claims });
  });

  it('is valid through the second it names and refused from the next one on', () => {
    const token = makeLinkToken(keyring, claims);
    expect(verifyLinkToken(keyring, token, claims.expiresAt * 1000)).toEqual({ ok: true, claims });
    expect(verifyLinkToken(keyring, token, claims.expiresAt * 1000 + 999)).toEqual({ ok: true, claims });
    expect(verifyLinkToken(keyring, token, (claims.expiresAt + 1) * 1000)).toEqual({
      ok: false,
      reason: 'expired',
      claims,
    });
  });

  it('linkExpiry names the second the due time plus grace falls in', () => {
    expect(linkExpiry(1_000_000_999, 0)).toBe(1_000_000);
    expect(linkExpiry(1_000_000_000, 86_400_000)).toBe(1_000_000 + 86_400);
  });

  it('refuses a token with one character of the payload changed, wherever it is', () => {
    const token = makeLinkToken(keyring, claims);
    const payloadStart = token.indexOf('.', 3) + 1;
    const payloadEnd = token.lastIndexOf('.');
    for (let i = payloadStart; i < payloadEnd; i += 1) {
      const altered = replaceAt(token, i, swapChar(token[i]!));
      expect(verifyLinkToken(keyring, altered, beforeExpiry), `payload position ${i - payloadStart}`).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('refuses a token with one character of the signature changed, the last one included', () => {
    const token = makeLinkToken(keyring, claims);
    const sigStart = token.lastIndexOf('.') + 1;
    for (let i = sigStart; i < token.length; i += 1) {
      const altered = replaceAt(token, i, swapChar(token[i]!));
      expect(verifyLinkToken(keyring, altered, beforeExpiry), `signature position ${i - sigStart}`).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    }
    // The 43rd character carries 4 bits of the MAC and 2 spare bits: changing only the spare bits is still a change.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameMacBits = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(verifyLinkToken(keyring, token.slice(0, -1) + sameMacBits, beforeExpiry)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a token whose key id was changed', () => {
    const token = makeLinkToken(keyring, claims);
    const kid = keyring.current('link').kid;
    const altered = token.replace(`v1.${kid}.`, `v1.${replaceAt(kid, 0, swapChar(kid[0]!))}.`);
    expect(altered).not.toBe(token);
    expect(verifyLinkToken(keyring, altered, beforeExpiry)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('calls anything not shaped like a token malformed', () => {
    const token = makeLinkToken(keyring, claims);
    const [, kid, payload, sig] = token.split('.') as [string, string, string, string];
    const malformed = [
      '',
      'v1',
      'not a token',
      token.slice(0, -1), // signature one character short
      `${token}A`, // one character long
      `v2.${kid}.${payload}.${sig}`,
      `v1.${kid}.${payload}`,
      `v1..${payload}.${sig}`,
      `v1.${kid}..${sig}`,
      `v1.${kid}.${payload}.${sig}.extra`,
      `v1.${kid}.${payload.slice(0, 5)}+${payload.slice(6)}.${sig}`, // base64, not base64url
      ` ${token}`,
      `v1.${'k'.repeat(33)}.${payload}.${sig}`,
      `v1.${kid}.${'p'.repeat(513)}.${sig}`,
    ];
    for (const text of malformed) {
      expect(verifyLinkToken(keyring, text, beforeExpiry), JSON.stringify(text)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });

  it('calls a correctly signed token with claims it does not understand malformed', () => {
    const { kid, key } = keyring.current('link');
    const signedToken = (body: unknown): string => {
      const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64url');
      const signed = `v1.${kid}.${payload}`;
      return `${signed}.${crypto.createHmac('sha256', key).update(signed).digest('base64url')}`;
    };
    const good = { c: 'case-1', t: 'acknowledge', g: 1, e: claims.expiresAt };
    expect(verifyLinkToken(keyring, signedToken(good), beforeExpiry)).toMatchObject({ ok: true });
    // A subprocessor's link names its subprocessor, and no other link names one.
    expect(
      verifyLinkToken(keyring, signedToken({ ...good, t: 'subprocessor_certify', s: 's2' }), beforeExpiry),
    ).toEqual({
      ok: true,
      claims: { caseId: 'case-1', task: 'subprocessor_certify', gen: 1, expiresAt: claims.expiresAt, sub: 's2' },
    });
    for (const body of [
      { ...good, t: 'review' },
      { ...good, c: 7 },
      { ...good, g: 1.5 },
      { ...good, e: '1900000000' },
      { t: 'return', g: 1, e: 1 },
      'not json',
      { ...good, t: 'subprocessor_certify' },
      { ...good, t: 'subprocessor_certify', s: 's0' },
      { ...good, t: 'subprocessor_certify', s: 7 },
      { ...good, s: 's1' },
    ]) {
      expect(verifyLinkToken(keyring, signedToken(body), beforeExpiry), JSON.stringify(body)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });

  it('refuses a token signed by another keyring', () => {
    const other = Keyring.open(path.join(dir, 'other-keys'));
    const foreign = makeLinkToken(other, claims);
    expect(verifyLinkToken(other, foreign, beforeExpiry)).toEqual({ ok: true, claims });
    expect(verifyLinkToken(keyring, foreign, beforeExpiry)).toEqual({ ok: false, reason: 'bad_signature' });
    // Even under our key id: the MAC is what counts, not the name.
    const [, , payload, sig] = foreign.split('.') as [string, string, string, string];
    expect(verifyLinkToken(keyring, `v1.${keyring.current('link').kid}.${payload}.${sig}`, beforeExpiry)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('still accepts a token made before rotation, and signs new ones with the new key', async () => {
    const rotating = Keyring.open(path.join(dir, 'rotating-keys'));
    const oldKid = rotating.current('link').kid;
    const before = makeLinkToken(rotating, claims);
    const { kids } = await rotating.rotate();
    expect(kids.link).not.toBe(oldKid);
    expect(rotating.current('link').kid).toBe(kids.link);

    const after = makeLinkToken(rotating, claims);
    expect(after.split('.')[1]).toBe(kids.link);
    expect(after).not.toBe(before);
    expect(verifyLinkToken(rotating, before, beforeExpiry)).toEqual({ ok: true, claims });
    expect(verifyLinkToken(rotating, after, beforeExpiry)).toEqual({ ok: true, claims });

    // Another process that loaded the keyring before the rotation picks up the new key from the file.
    const reopened = Keyring.open(path.join(dir, 'rotating-keys'));
    expect(verifyLinkToken(reopened, before, beforeExpiry)).toEqual({ ok: true, claims });
    expect(verifyLinkToken(reopened, after, beforeExpiry)).toEqual({ ok: true, claims });
  });

  it('picks up a key added by another process after this one loaded the keyring', async () => {
    const keysDir = path.join(dir, 'shared-keys');
    const stale = Keyring.open(keysDir);
    const rotator = Keyring.open(keysDir);
    await rotator.rotate();
    const fresh = makeLinkToken(rotator, claims);
    expect(verifyLinkToken(stale, fresh, beforeExpiry)).toEqual({ ok: true, claims });
  });
});

describe('tokenFromLink', () => {
  const token = 'v1.abcDEF12.eyJjIjoiY2FzZSJ9.' + 'S'.repeat(43);

  it('takes the token out of a whole link', () => {
    expect(tokenFromLink(`http://x/v/${token}`)).toBe(token);
    expect(tokenFromLink(`https://district.example/disposition/v/${token}?utm=mail#top`)).toBe(token);
    expect(tokenFromLink(`  http://x/v/${token}\n`)).toBe(token);
    expect(tokenFromLink(`http://x/v/${token}/`)).toBe(token);
  });

  it('decodes a percent-encoded link and leaves a bare token as it is (trimmed)', () => {
    expect(tokenFromLink(`http://x/v/${token.replace(/\./g, '%2E')}`)).toBe(token);
    expect(tokenFromLink(token)).toBe(token);
    expect(tokenFromLink(`\t${token} `)).toBe(token);
  });
});

describe('checkLinkAgainstRecord', () => {
  const link: LinkClaims = { caseId: 'case-1', task: 'return', gen: 2, expiresAt: 1_900_000_000 };

  it('refuses a link to a case the record does not know', () => {
    expect(checkLinkAgainstRecord(link, undefined)).toBe('case_not_found');
  });

  it('refuses a link to a closed case, even with its task still named open', () => {
    for (const status of ['completed', 'cancelled']) {
      expect(checkLinkAgainstRecord(link, { status, openTask: { kind: 'return', gen: 2 } })).toBe('case_closed');
      expect(checkLinkAgainstRecord(link, { status })).toBe('case_closed');
    }
  });

  it('refuses a link when no task is open or another task is', () => {
    expect(checkLinkAgainstRecord(link, { status: 'awaiting_review' })).toBe('task_closed');
    expect(checkLinkAgainstRecord(link, { status: 'awaiting_review', openTask: undefined })).toBe('task_closed');
    expect(checkLinkAgainstRecord(link, { status: 'awaiting_review', openTask: { kind: 'review', gen: 2 } })).toBe(
      'task_closed',
    );
    expect(
      checkLinkAgainstRecord(link, { status: 'awaiting_certification', openTask: { kind: 'certify', gen: 2 } }),
    ).toBe('task_closed');
  });

  it('calls a link of an older generation superseded, and one of a generation not yet sent task_closed', () => {
    expect(checkLinkAgainstRecord(link, { status: 'awaiting_return', openTask: { kind: 'return', gen: 3 } })).toBe(
      'superseded',
    );
    expect(
      checkLinkAgainstRecord({ ...link, gen: 1 }, { status: 'awaiting_return', openTask: { kind: 'return', gen: 3 } }),
    ).toBe('superseded');
    expect(checkLinkAgainstRecord(link, { status: 'awaiting_return', openTask: { kind: 'return', gen: 1 } })).toBe(
      'task_closed',
    );
  });

  it('accepts the link of the open task in its current generation', () => {
    expect(
      checkLinkAgainstRecord(link, { status: 'awaiting_return', openTask: { kind: 'return', gen: 2 } }),
    ).toBeUndefined();
  });

  it("checks a subprocessor's link against that subprocessor: open until it certified or was waived, in its generation", () => {
    const sub: LinkClaims = {
      caseId: 'case-9',
      task: 'subprocessor_certify',
      gen: 1,
      expiresAt: claims.expiresAt,
      sub: 's2',
    };
    const record = (
      s2: { gen: number; certification?: object; waiver?: object },
      status = 'awaiting_subprocessors',
    ) => ({
      status,
      state: {
        subprocessors: [
          { id: 's1', gen: 1 },
          { id: 's2', ...s2 },
        ],
      },
    });
    expect(checkLinkAgainstRecord(sub, record({ gen: 1 }))).toBeUndefined();
    // While the vendor's backups roll off, its subprocessors certify all the same.
    expect(
      checkLinkAgainstRecord(sub, {
        ...record({ gen: 1 }, 'awaiting_backup_rolloff'),
        openTask: { kind: 'confirm_backup_rolloff', gen: 1 },
      }),
    ).toBeUndefined();
    expect(checkLinkAgainstRecord(sub, record({ gen: 1, certification: {} }))).toBe('task_closed');
    expect(checkLinkAgainstRecord(sub, record({ gen: 1, waiver: {} }))).toBe('task_closed');
    expect(checkLinkAgainstRecord(sub, record({ gen: 2 }))).toBe('superseded');
    expect(checkLinkAgainstRecord({ ...sub, sub: 's3' }, record({ gen: 1 }))).toBe('task_closed');
    expect(checkLinkAgainstRecord(sub, record({ gen: 1 }, 'cancelled'))).toBe('case_closed');
  });
});
