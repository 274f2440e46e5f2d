// Issue 27 item 4: what `backup create` and `backup restore` refuse, each before anything is written (a passphrase
// unset or wrong, a damaged or cut archive naming the member, a target folder that is not empty), a KEYS_DIR kept
// apart, and how `audit verify` tells a log that ends at the backup from one that was cut: with no restore record
// a cut is tampering, and a restore record excuses nothing after the restore nor before the backup's end.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../infra/database/open-stores';
import { Keyring } from '../infra/keys/keys';
import { intruder } from './support/intruder';

const ROOT = path.resolve(__dirname, '..');
const PASSPHRASE = 'correct horse battery staple';
let work: string;
let source: string;
let archive: string;
let backupHead: number;

function cli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'client', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', STORAGE_URL: '', BACKUP_PASSPHRASE: PASSPHRASE, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The folder holds nothing a restore left: no target, no folder beside it. */
function nothingWritten(target: string): void {
  expect(fs.existsSync(target)).toBe(false);
  expect(fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(`${path.basename(target)}.restore-`))).toEqual(
    [],
  );
}

/** Where member `name`'s bytes start in a tar file. */
function memberOffset(file: string, name: string): number {
  const bytes = fs.readFileSync(file);
  for (let at = 0; at + 512 <= bytes.length;) {
    const header = bytes.subarray(at, at + 512);
    const found = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    if (found === name) return at + 512;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no member ${name}`);
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-backup-refusals-'));
  source = path.join(work, 'source');
  const stores = await openStores({ dataDir: source });
  const keyring = Keyring.open(path.join(source, 'keys'));
  await stores.bindKeyring({ keysDir: path.join(source, 'keys') }, keyring);
  for (let i = 1; i <= 4; i += 1)
    await stores.accessLog.append({
      actor: `user:ada${i}`,
      role: 'admin',
      action: 'GET /api/cases',
      outcome: 'ok 200',
    });
  await stores.accessLog.recordIntrusion({
    kind: 'failed_login',
    ip: '192.0.2.9',
    path: '/login',
    reason: 'wrong password',
  });
  keyring.close();
  await stores.close();
  fs.mkdirSync(path.join(source, 'outbox'));
  fs.writeFileSync(path.join(source, 'outbox', 'notice.eml'), 'Subject: notice\r\n\r\nhello\r\n');
  archive = path.join(work, 'backup.tar');
  const made = cli(['backup', 'create', archive, '--json'], { DATA_DIR: source });
  expect({ status: made.status, stderr: made.stderr }).toMatchObject({ status: 0 });
  backupHead = (JSON.parse(made.stdout) as { heads: { accessLog: { seq: number } } }).heads.accessLog.seq;
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('backup create refuses', () => {
  it('without BACKUP_PASSPHRASE, or with a short one, and writes no file', () => {
    const file = path.join(work, 'unsealed.tar');
    const unset = cli(['backup', 'create', file], { DATA_DIR: source, BACKUP_PASSPHRASE: '' });
    expect(unset.status).toBe(3);
    expect(unset.stderr).toMatch(/^error: set BACKUP_PASSPHRASE: it seals the keyring inside the backup/);
    const short = cli(['backup', 'create', file], { DATA_DIR: source, BACKUP_PASSPHRASE: 'short' });
    expect(short.status).toBe(3);
    expect(short.stderr).toContain('BACKUP_PASSPHRASE must be at least 12 characters');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a DATA_DIR with no case record, making none there', () => {
    const empty = path.join(work, 'mistyped');
    const run = cli(['backup', 'create', path.join(work, 'nothing.tar')], { DATA_DIR: empty });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(`there is no case record at ${path.join(empty, 'disposition.db')}`);
    expect(fs.existsSync(empty)).toBe(false);
    expect(fs.existsSync(path.join(work, 'nothing.tar'))).toBe(false);
  });

  it('a file inside DATA_DIR, one that exists, and several machines', () => {
    const inside = cli(['backup', 'create', path.join(source, 'backup.tar')], { DATA_DIR: source });
    expect(inside.status).toBe(3);
    expect(inside.stderr).toContain('is inside DATA_DIR or KEYS_DIR');
    expect(fs.existsSync(path.join(source, 'backup.tar'))).toBe(false);
    const again = cli(['backup', 'create', archive], { DATA_DIR: source });
    expect(again.status).toBe(3);
    expect(again.stderr).toContain('exists already');
    const several = cli(['backup', 'create', path.join(work, 'pg.tar')], {
      DATA_DIR: source,
      DATABASE_URL: 'postgres://localhost/disposition',
    });
    expect(several.status).toBe(3);
    expect(several.stderr).toContain('pg_dump');
    expect(fs.readdirSync(source).filter((n) => n.startsWith('.backup-'))).toEqual([]);
  });
});

describe('backup restore refuses, writing nothing', () => {
  it('a wrong or missing BACKUP_PASSPHRASE', () => {
    const target = path.join(work, 'wrong-passphrase');
    const wrong = cli(['backup', 'restore', archive], { DATA_DIR: target, BACKUP_PASSPHRASE: 'not the passphrase' });
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/^error: BACKUP_PASSPHRASE does not open the keyring sealed in this backup/);
    nothingWritten(target);
    const missing = cli(['backup', 'restore', archive, '--json'], { DATA_DIR: target, BACKUP_PASSPHRASE: '' });
    expect(missing.status).toBe(3);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/^set BACKUP_PASSPHRASE to the passphrase/);
    nothingWritten(target);
  });

  it('a damaged archive, naming the member, and one cut short', () => {
    const damaged = path.join(work, 'damaged.tar');
    fs.copyFileSync(archive, damaged);
    const at = memberOffset(damaged, 'data/disposition.db') + 4096;
    const bytes = fs.readFileSync(damaged);
    bytes[at] = bytes[at]! ^ 0x01;
    fs.writeFileSync(damaged, bytes);
    const target = path.join(work, 'from-damaged');
    const run = cli(['backup', 'restore', damaged], { DATA_DIR: target });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(
      'error: the backup is damaged: member data/disposition.db does not match its SHA-256 in the manifest',
    );
    nothingWritten(target);

    // An opening that asks scrypt for what no backup is made with (a forged archive's way to take the memory).
    const costly = path.join(work, 'costly.tar');
    const opening = fs.readFileSync(archive);
    const start = memberOffset(archive, 'backup.json');
    const text = opening.subarray(start, start + 512).toString('latin1');
    const n = text.indexOf('"N": 32768');
    expect(n).toBeGreaterThan(0);
    opening.write('"N": 99999', start + n, 'latin1'); // the same length: the tar stays well-formed
    fs.writeFileSync(costly, opening);
    const forged = cli(['backup', 'restore', costly], { DATA_DIR: target });
    expect(forged.status).toBe(3);
    expect(forged.stderr).toContain(
      'member backup.json asks for passphrase costs no backup is made with (scrypt N 99999, r 8, p 1)',
    );
    nothingWritten(target);

    const cut = path.join(work, 'cut.tar');
    fs.writeFileSync(cut, fs.readFileSync(archive).subarray(0, memberOffset(archive, 'data/outbox/notice.eml') + 10));
    const short = cli(['backup', 'restore', cut], { DATA_DIR: target });
    expect(short.status).toBe(3);
    expect(short.stderr).toContain('the archive is cut short inside member data/outbox/notice.eml');
    nothingWritten(target);
  });

  it('a DATA_DIR or KEYS_DIR that is not empty, leaving it as it was', () => {
    const target = path.join(work, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine');
    const run = cli(['backup', 'restore', archive], { DATA_DIR: target });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(`DATA_DIR ${target} is not empty (notes.txt)`);
    expect(fs.readdirSync(target)).toEqual(['notes.txt']);
    const keys = path.join(work, 'occupied-keys');
    fs.mkdirSync(keys);
    fs.writeFileSync(path.join(keys, 'keyring.json'), '{}');
    const apart = cli(['backup', 'restore', archive], { DATA_DIR: path.join(work, 'free'), KEYS_DIR: keys });
    expect(apart.status).toBe(3);
    expect(apart.stderr).toContain(`KEYS_DIR ${keys} is not empty (keyring.json)`);
    nothingWritten(path.join(work, 'free'));
    expect(fs.readFileSync(path.join(keys, 'keyring.json'), 'utf8')).toBe('{}');
  });
});

describe('a restore, and audit verify after it', () => {
  it('puts KEYS_DIR apart when it is set so, and the logs end at the backup', () => {
    const target = path.join(work, 'apart');
    const keys = path.join(work, 'apart-keys');
    const env = { DATA_DIR: target, KEYS_DIR: keys };
    const run = cli(['backup', 'restore', archive, '--json'], env);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(fs.readdirSync(keys).sort()).toEqual([
      'access-log.anchor.json',
      'intrusion-log.anchor.json',
      'keyring.json',
      'restored-backups.json',
    ]);
    expect(fs.existsSync(path.join(target, 'keys'))).toBe(false);
    expect(fs.readFileSync(path.join(target, 'outbox', 'notice.eml'), 'utf8')).toContain('hello');
    const verify = cli(['audit', 'verify'], env);
    expect({ status: verify.status, stdout: verify.stdout }).toMatchObject({ status: 0 });
    expect(verify.stdout).toMatch(/^The logs end at the backup taken \S+ \(access log entry \d+, intrusion event 1\)/m);
  });

  it('a cut without a restore record is tampering, as ever', () => {
    const db = intruder(source);
    db.prepare('DELETE FROM access_log WHERE seq = (SELECT MAX(seq) FROM access_log)').run();
    db.close();
    const verify = cli(['audit', 'verify'], { DATA_DIR: source });
    expect(verify.status).toBe(3);
    expect(verify.stdout).toMatch(/^The access log is BROKEN at entry \d+: .*cut off the end$/m);
    expect(verify.stdout).not.toContain('backup');
  });

  it('a record excuses nothing cut after the restore, nor a log cut back past the backup', () => {
    const target = path.join(work, 'restored');
    const run = cli(['backup', 'restore', archive], { DATA_DIR: target });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(cli(['audit', 'verify'], { DATA_DIR: target }).status).toBe(0);
    // The entry the restore wrote, after the backup's last one, cut off.
    let db = intruder(target);
    db.prepare('DELETE FROM access_log WHERE seq > ?').run(backupHead);
    db.close();
    const afterRestore = cli(['audit', 'verify'], { DATA_DIR: target });
    expect(afterRestore.status).toBe(3);
    expect(afterRestore.stdout).toMatch(/^The access log is BROKEN at entry \d+: .*cut off the end$/m);
    // And back past the backup itself.
    db = intruder(target);
    db.prepare('DELETE FROM access_log WHERE seq >= ?').run(backupHead);
    db.close();
    const pastBackup = cli(['audit', 'verify', '--json'], { DATA_DIR: target });
    expect(pastBackup.status).toBe(3);
    expect(JSON.parse(pastBackup.stdout).restores[0]).toMatchObject({
      ok: false,
      problems: [
        expect.stringMatching(
          /^the access log ends before entry \d+, where the backup taken .* ended: it was cut back past the backup$/,
        ),
      ],
    });
  });
});
