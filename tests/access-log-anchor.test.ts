// The access log's head anchored outside the database (issue 12, security 5): someone who can write the database
// but not the server's disk can cut entries off the end, or rewrite the whole chain so that every hash checks out;
// `audit verify` names both against the signed head kept beside the keys.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANCHORED_LOGS } from '../infra/database/log-head-anchor';
import { AuditChainKeys } from '../infra/keys/audit-chain-keys';
import { openStores, type Stores } from '../infra/database/open-stores';
import { SqlAccessLog } from '../infra/database/sql-access-log';
import { Keyring } from '../infra/keys/keys';
import { intruder, rewriteAccessLog } from './support/intruder';

let dataDir: string;
let stores: Stores;
let keyring: Keyring;
const keysDir = () => path.join(dataDir, 'keys');

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-anchor-'));
  stores = await openStores({ dataDir });
  keyring = Keyring.open(keysDir());
  await stores.bindKeyring({ keysDir: keysDir() }, keyring);
  for (let i = 1; i <= 5; i += 1)
    await stores.accessLog.append({
      actor: `user:ada${i}`,
      role: 'admin',
      action: 'GET /api/cases/:caseId',
      caseId: 'Case0001',
      outcome: 'ok 200',
      ip: '192.0.2.1',
    });
});
afterEach(async () => {
  keyring?.close();
  await stores?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cliVerify = () =>
  spawnSync(process.execPath, [path.resolve('bin/disposition.js'), 'audit', 'verify', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir },
  });

describe('the access log anchored beside the keys', () => {
  it('keeps the signed head in a file of its own, renewed on every append, and verifies against it', async () => {
    const file = path.join(keysDir(), ANCHORED_LOGS.accessLog.file);
    const anchored = JSON.parse(fs.readFileSync(file, 'utf8'));
    const entries = await stores.accessLog.list();
    expect(anchored).toMatchObject({ seq: 5, hash: entries.at(-1)!.hash, kid: keyring.currentSigning().kid });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await stores.accessLog.verify()).toEqual({ ok: true, entries: 5, head: entries.at(-1)!.hash });
    await stores.accessLog.append({ actor: 'user:lee', role: 'legal', action: 'GET /api/cases', outcome: 'ok 200' });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).seq).toBe(6);
  });

  it('names a cut, even of the last entry alone, which the chain itself cannot see', async () => {
    const db = intruder(dataDir);
    db.prepare('DELETE FROM access_log WHERE seq = 5').run();
    db.close();
    expect(await stores.accessLog.verify()).toMatchObject({
      ok: false,
      entries: 4,
      brokenAt: 5,
      reason: expect.stringMatching(
        /^the log ends at entry 4, but entry 5 was written \(anchored .*\): 1 entry was cut off the end$/,
      ),
    });
    const cli = cliVerify();
    expect(cli.status).toBe(3);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, accessLog: { ok: false, brokenAt: 5 } });
  });

  it('names a rewrite whose every hash checks out (made with the keyring too), where the chain alone says intact', async () => {
    const keys = new AuditChainKeys(keyring);
    const db = intruder(dataDir);
    rewriteAccessLog(db, 2, 'user:nobody', keys.current());
    db.close();
    // Without the anchor the forged chain passes: this is what the anchor is for.
    const unanchored = new SqlAccessLog(stores.database);
    await unanchored.keyWith(keys);
    expect(await unanchored.verify()).toMatchObject({ ok: true, entries: 5 });
    expect(await stores.accessLog.verify()).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: expect.stringMatching(/^entry 5 is not the one anchored .*: the log was rewritten up to there$/),
    });
  });

  it('refuses an anchor edited by hand to match a cut', async () => {
    const db = intruder(dataDir);
    db.prepare('DELETE FROM access_log WHERE seq >= 4').run();
    db.close();
    const file = path.join(keysDir(), ANCHORED_LOGS.accessLog.file);
    const anchored = JSON.parse(fs.readFileSync(file, 'utf8'));
    const third = (await stores.accessLog.list()).at(-1)!;
    fs.writeFileSync(file, JSON.stringify({ ...anchored, seq: 3, hash: third.hash }));
    expect(await stores.accessLog.verify()).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not signed by the server key'),
    });
  });
});
