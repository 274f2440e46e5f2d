// The rest of issue 12, security 5: the intrusion events chained like the access log, and the signed checkpoint
// of both logs' heads mailed to the administrators every day (on a Temporal schedule), against which
// `audit verify --checkpoint` names a cut or a rewrite that the database alone would hide.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCheckpointActivities } from '../activities/audit-checkpoint';
import crypto from 'node:crypto';
import { intrusionHash, type ChainKey } from '../infra/database/access-log';
import { AuditChainKeys } from '../infra/keys/audit-chain-keys';
import { parseCheckpoint, problemsAgainst, takeCheckpoint } from '../infra/database/audit-checkpoint';
import { openStores, type Stores } from '../infra/database/open-stores';
import { Keyring } from '../infra/keys/keys';
import type { OutgoingMail } from '../infra/mail/mail-transport';
import { auditCheckpointScheduleId } from '../workflows/audit-checkpoint';
import { ensureAuditCheckpointSchedule } from '../worker/audit-checkpoint-schedule';
import { ADMIN_EMAIL } from './support/case-harness';
import { harnessForTests } from './support/http-harness';
import { intruder, rechainIntrusions, rewriteAccessLog } from './support/intruder';

let dataDir: string;
let stores: Stores;
let keyring: Keyring;
const keysDir = () => path.join(dataDir, 'keys');

const cli = (args: string[], dir = dataDir) =>
  spawnSync(process.execPath, [path.resolve('bin/disposition.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dir },
  });

const intrusion = (n: number) => ({
  kind: 'failed_login' as const,
  ip: `198.51.100.${n}`,
  userAgent: 'curl/8',
  path: '/api/auth/login',
  reason: `wrong password for admin (${n})`,
});

describe('on one database', () => {
  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-checkpoint-'));
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
    for (let i = 1; i <= 4; i += 1) await stores.accessLog.recordIntrusion(intrusion(i));
  });
  afterEach(async () => {
    keyring?.close();
    await stores?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe('the intrusion log', () => {
    it('is one chain, append-only, even with events recorded at once', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => stores.accessLog.recordIntrusion(intrusion(100 + i))));
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: true,
        events: 24,
        unchained: 0,
        head: { id: 24 },
      });
      await expect(stores.database.run('DELETE FROM intrusion_events WHERE id = 2')).rejects.toThrow(/append-only/);
      await expect(stores.database.run("UPDATE intrusion_events SET ip = '10.0.0.1' WHERE id = 2")).rejects.toThrow(
        /append-only/,
      );
    });

    it('names an event removed from the middle, an altered one, and one written around the chain', async () => {
      const db = intruder(dataDir);
      db.prepare('DELETE FROM intrusion_events WHERE id = 2').run();
      db.close();
      expect(await stores.accessLog.verifyIntrusions()).toEqual({
        ok: false,
        events: 2,
        brokenAt: 3,
        reason: 'event 3 does not follow the event before it: an event was removed or rewritten there',
      });

      const again = intruder(dataDir);
      again.prepare("UPDATE intrusion_events SET ip = '10.0.0.1' WHERE id = 1").run();
      again.close();
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: false,
        brokenAt: 1,
        reason: 'event 1 was altered',
      });

      const third = intruder(dataDir);
      third.prepare("UPDATE intrusion_events SET ip = '198.51.100.1' WHERE id = 1").run();
      third
        .prepare('INSERT INTO intrusion_events (at, kind, ip, user_agent, path, reason) VALUES (?, ?, ?, ?, ?, ?)')
        .run(Date.now(), 'failed_login', '203.0.113.9', '', '/login', 'slipped in');
      third.close();
      const verdict = cli(['audit', 'verify']);
      expect(verdict.status).toBe(3);
      expect(verdict.stdout).toContain('The access log is intact: 5 entries');
      expect(verdict.stdout).toContain('The intrusion log is BROKEN at event 3: event 3 does not follow');
    });

    it('counts the events written before it was chained apart, and keys every event after those of earlier versions', async () => {
      const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-unchained-'));
      const other = await openStores({ dataDir: fresh });
      const otherKeys = Keyring.open(path.join(fresh, 'keys'));
      try {
        // As earlier versions wrote them: three with no hashes, then two chained without a key.
        const insert =
          'INSERT INTO intrusion_events (at, kind, ip, user_agent, path, reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
        for (let i = 0; i < 3; i += 1)
          await other.database.run(insert, [1_000 + i, 'failed_login', '192.0.2.9', '', '/login', 'old', null, null]);
        let prev = '0'.repeat(64);
        for (let i = 0; i < 2; i += 1) {
          const fields = {
            at: 2_000 + i,
            kind: 'failed_login' as const,
            ip: '192.0.2.9',
            userAgent: '',
            path: '/login',
            reason: 'old',
          };
          const hash = intrusionHash(prev, fields, undefined);
          await other.database.run(insert, [
            fields.at,
            fields.kind,
            fields.ip,
            '',
            fields.path,
            fields.reason,
            prev,
            hash,
          ]);
          prev = hash;
        }
        await other.bindKeyring({ keysDir: path.join(fresh, 'keys') }, otherKeys);
        await other.accessLog.recordIntrusion(intrusion(7));
        expect(await other.accessLog.verifyIntrusions()).toMatchObject({
          ok: true,
          events: 6,
          unchained: 3,
          head: { id: 6 },
        });
        // The first event of this version follows the last of the earlier one, its hash keyed.
        const row = (await other.database.get<{
          at: number;
          kind: 'failed_login';
          ip: string;
          user_agent: string;
          path: string;
          reason: string;
          prev_hash: string;
          hash: string;
          chain_kid: string;
        }>('SELECT * FROM intrusion_events WHERE id = 6'))!;
        expect(row.prev_hash).toBe(prev);
        const fields = {
          at: Number(row.at),
          kind: row.kind,
          ip: row.ip,
          userAgent: row.user_agent,
          path: row.path,
          reason: row.reason,
        };
        const key = new AuditChainKeys(otherKeys).get(row.chain_kid)!;
        expect(row.chain_kid).toBe(otherKeys.current('link').kid);
        expect(row.hash).toBe(intrusionHash(row.prev_hash, fields, key));
        expect(row.hash).not.toBe(intrusionHash(row.prev_hash, fields, undefined));

        // Passing it off as one of the earlier version's (no key named, the hash recomputed without one) fails.
        const db = intruder(fresh);
        db.prepare('UPDATE intrusion_events SET hash = ?, chain_kid = NULL WHERE id = 6').run(
          intrusionHash(row.prev_hash, fields, undefined),
        );
        db.close();
        expect(await other.accessLog.verifyIntrusions()).toMatchObject({
          ok: false,
          brokenAt: 6,
          reason:
            'event 6 carries no chain key, though the log is keyed from event 6: it was written or rewritten without the keyring',
        });
      } finally {
        otherKeys.close();
        await other.close();
        fs.rmSync(fresh, { recursive: true, force: true });
      }
    });
  });

  describe('keyed against someone who holds only the database', () => {
    /** Deletes event `id` and recomputes every later hash with the project's own function, under `key`. */
    const deleteAndRechain = (id: number, key: ChainKey | undefined) => {
      const db = intruder(dataDir);
      db.prepare('DELETE FROM intrusion_events WHERE id = ?').run(id);
      rechainIntrusions(db, key);
      db.close();
    };

    it('names an intrusion event deleted and the later hashes recomputed, with no key or a guessed one', async () => {
      deleteAndRechain(2, undefined);
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: false,
        brokenAt: 1,
        reason: 'event 1 was altered',
      });
      const verdict = cli(['audit', 'verify']);
      expect(verdict.status).toBe(3);
      expect(verdict.stdout).toContain('The intrusion log is BROKEN at event 1: event 1 was altered');

      deleteAndRechain(3, { kid: keyring.current('link').kid, key: Buffer.alloc(32, 7) });
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: false,
        brokenAt: 1,
        reason: 'event 1 was altered',
      });
    });

    it('names an access entry deleted and the later hashes recomputed without the keyring', async () => {
      const db = intruder(dataDir);
      db.prepare('DELETE FROM access_log WHERE seq = 5').run();
      rewriteAccessLog(db, 2, 'user:nobody');
      db.close();
      expect(await stores.accessLog.verify()).toMatchObject({ ok: false, brokenAt: 1, reason: 'entry 1 was altered' });
      // A key made up under a key id of the keyring does no better.
      const again = intruder(dataDir);
      rewriteAccessLog(again, 2, 'user:nobody', { kid: keyring.current('link').kid, key: crypto.randomBytes(32) });
      again.close();
      expect(await stores.accessLog.verify()).toMatchObject({ ok: false, brokenAt: 1, reason: 'entry 1 was altered' });
    });

    it("names the intrusion log's last 64 events cut off, from its anchor beside the keys", async () => {
      for (let i = 0; i < 64; i += 1) await stores.accessLog.recordIntrusion(intrusion(10 + i));
      const anchored = JSON.parse(fs.readFileSync(path.join(keysDir(), 'intrusion-log.anchor.json'), 'utf8'));
      expect(anchored).toMatchObject({ seq: 68, kid: keyring.currentSigning().kid });
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({ ok: true, events: 68 });
      const db = intruder(dataDir);
      db.prepare('DELETE FROM intrusion_events WHERE id > 4').run();
      db.close();
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: false,
        brokenAt: 5,
        reason: expect.stringMatching(
          /^the log ends at event 4, but event 68 was written \(anchored .*\): the events after 4 were cut off the end$/,
        ),
      });
      // Events recorded after the cut do not hide it.
      await stores.accessLog.recordIntrusion(intrusion(99));
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({ ok: false });
    });

    it('refuses the record of where the keyed chains start once moved or removed', async () => {
      const moved = intruder(dataDir);
      moved.prepare("UPDATE audit_chain_starts SET keyed_after = 99 WHERE log = 'intrusions'").run();
      moved.close();
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({
        ok: false,
        reason: 'the record of where its keyed chain starts (audit_chain_starts) was edited',
      });
      const removed = intruder(dataDir);
      removed.prepare("DELETE FROM audit_chain_starts WHERE log = 'accessLog'").run();
      removed.close();
      expect(await stores.accessLog.verify()).toMatchObject({
        ok: false,
        reason: 'the record of where its keyed chain starts (audit_chain_starts) was removed',
      });
      // A restart does not write a new one over a log that is keyed already.
      await stores.bindKeyring({ keysDir: keysDir() }, keyring);
      expect(await stores.accessLog.verify()).toMatchObject({
        ok: false,
        reason: expect.stringContaining('was removed'),
      });
    });
  });

  describe('a checkpoint of both heads', () => {
    it('holds while the logs only grow, and names an access entry cut off, a rewrite with fresh hashes, and an intrusion event cut off', async () => {
      const checkpoint = await takeCheckpoint(stores.accessLog, keyring, 'Riverside Unified School District');
      expect(checkpoint).toMatchObject({
        format: 'disposition-audit-checkpoint/1',
        accessLog: { seq: 5 },
        intrusions: { id: 4 },
        kid: keyring.currentSigning().kid,
      });
      await stores.accessLog.append({ actor: 'user:lee', role: 'legal', action: 'GET /api/cases', outcome: 'ok 200' });
      await stores.accessLog.recordIntrusion(intrusion(9));
      expect(await problemsAgainst(checkpoint, stores.accessLog, keyring)).toEqual([]);

      // A rewrite of the whole access log, every hash recomputed (by someone with the keyring as well as the
      // database): its chain checks out; the checkpoint does not.
      const db = intruder(dataDir);
      rewriteAccessLog(db, 2, 'user:nobody', new AuditChainKeys(keyring).current());
      // And the intrusion log cut back to before the checkpoint's head.
      db.prepare('DELETE FROM intrusion_events WHERE id >= 4').run();
      db.close();
      expect(await problemsAgainst(checkpoint, stores.accessLog, keyring)).toEqual([
        `access log entry 5 is not the one the checkpoint of ${checkpoint.takenAt} saw: the log was rewritten up to there`,
        `intrusion event 4, which the checkpoint of ${checkpoint.takenAt} saw, is gone: the log was cut back past it`,
      ]);
    });

    it('refuses a checkpoint edited to match a cut, and a file that is no checkpoint', async () => {
      const checkpoint = await takeCheckpoint(stores.accessLog, keyring, 'Riverside Unified School District');
      const db = intruder(dataDir);
      db.prepare('DELETE FROM access_log WHERE seq = 5').run();
      db.close();
      const fourth = (await stores.accessLog.list()).at(-1)!;
      const edited = { ...checkpoint, accessLog: { seq: 4, hash: fourth.hash } };
      expect(await problemsAgainst(edited, stores.accessLog, keyring)).toEqual([
        expect.stringMatching(/is not signed by a key of this keyring .*: it was edited/),
      ]);
      expect(() => parseCheckpoint('{"format":"something else"}')).toThrow(
        /is not a disposition-audit-checkpoint\/1 file/,
      );
      expect(() => parseCheckpoint('not json')).toThrow(/not JSON/);
      const file = path.join(dataDir, 'bad-checkpoint.json');
      fs.writeFileSync(file, 'not json');
      const refused = cli(['audit', 'verify', '--checkpoint', file]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`--checkpoint ${file}: the checkpoint is not JSON`);
      expect(cli(['audit', 'verify', '--checkpoint', path.join(dataDir, 'missing.json')]).stderr).toContain(
        'no such file',
      );
    });
  });

  it('is mailed to ADMIN_EMAIL and every administrator, with the file `audit verify --checkpoint` takes', async () => {
    const sent: OutgoingMail[] = [];
    const { mailAuditCheckpoint } = makeCheckpointActivities({
      config: {
        districtName: 'Riverside Unified School District',
        mailFrom: 'Disposition <d@district.example>',
        adminEmail: 'records@district.example',
        publicUrl: 'https://disposition.district.example',
      },
      accessLog: stores.accessLog,
      keyring,
      administrators: async () => ['ada@district.example', 'records@district.example'],
      transport: {
        send: async (mail) => {
          sent.push(mail);
          return { raw: Buffer.from(mail.text), response: '250 OK' };
        },
        close: () => undefined,
      },
    });
    expect(await mailAuditCheckpoint()).toEqual({
      sentTo: ['records@district.example', 'ada@district.example'],
      accessLog: 5,
      intrusions: 4,
    });
    const mail = sent[0]!;
    expect(mail.subject).toMatch(
      /^Audit checkpoint for Riverside Unified School District, \d{4}-\d\d-\d\d: access log at entry 5$/,
    );
    expect(mail.headers).toMatchObject({ 'X-Disposition-Mail': 'audit_checkpoint' });
    const attached = mail.attachments![0]!;
    expect(mail.text).toContain(`npx disposition audit verify --checkpoint ${attached.filename}`);
    const file = path.join(dataDir, attached.filename);
    fs.writeFileSync(file, attached.content);
    await stores.accessLog.append({ actor: 'user:lee', role: 'legal', action: 'GET /api/cases', outcome: 'ok 200' });
    const holds = cli(['audit', 'verify', '--checkpoint', file]);
    expect(holds.status, holds.stderr).toBe(0);
    expect(holds.stdout).toContain(`The checkpoint of ${parseCheckpoint(attached.content.toString()).takenAt} holds`);

    const db = intruder(dataDir);
    db.prepare('DELETE FROM access_log WHERE seq >= 5').run();
    db.close();
    // The anchor beside the keys is gone too (an intruder with the disk as well): the mailed checkpoint still tells.
    fs.rmSync(path.join(keysDir(), 'access-log.anchor.json'));
    const cut = cli(['audit', 'verify', '--checkpoint', file, '--json']);
    expect(cut.status).toBe(3);
    expect(JSON.parse(cut.stdout)).toMatchObject({
      ok: false,
      accessLog: { ok: true, entries: 4 },
      checkpoint: { ok: false, problems: [expect.stringContaining('access log entry 5, which the checkpoint of')] },
    });
  });
});

describe('on its schedule', () => {
  const started = harnessForTests();
  afterAll(async () => {
    await started.h?.cases.client.schedule
      .getHandle(auditCheckpointScheduleId(started.h.cases.taskQueue))
      .delete()
      .catch(() => undefined);
  });

  it('is kept by the worker as configured, and its run mails the checkpoint', async () => {
    const { h } = started;
    const { client, taskQueue } = h.cases;
    expect(await ensureAuditCheckpointSchedule(client, taskQueue, 86_400_000)).toBe('created');
    expect(await ensureAuditCheckpointSchedule(client, taskQueue, 86_400_000)).toBe('kept');
    expect(await ensureAuditCheckpointSchedule(client, taskQueue, 3_600_000)).toBe('updated');
    const handle = client.schedule.getHandle(auditCheckpointScheduleId(taskQueue));
    expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(3_600_000);
    await handle.trigger();
    const mail = await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-mail') === 'audit_checkpoint',
      60_000,
      'the audit checkpoint mail',
    );
    expect(mail.to).toEqual(expect.arrayContaining([ADMIN_EMAIL, 'ada@district.example']));
    expect(mail.subject).toContain('Audit checkpoint for Riverside Unified School District');
  });
});
