// `disposition backup create FILE` on one machine, while `npm start` runs. What makes it consistent:
// - the stored files are hard-linked into a folder of the backup's own before the case record's snapshot and
//   again after it: a file is written before the record names it and removed only after the record let it go,
//   so every file the snapshot refers to is among the links, and a link keeps its bytes even if the file is
//   removed while the archive is written;
// - the case record and then the Temporal dev server's database are copied with SQLite's online backup API, each
//   one read transaction (the record first: a workflow ahead of its record sends its whole state again, see
//   docs/architecture.md, while a record ahead of its workflow would be overwritten);
// - the keyring is read last: keys are only ever added, so it holds every key the snapshots were sealed with;
// - the anchors of both audit logs are written for the snapshot's heads, so the restored logs check out.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { AuditHeads } from '../database/access-log';
import { ANCHORED_LOGS, LogHeadAnchor } from '../database/log-head-anchor';
import type { Keyring } from '../keys/keys';
import { archiveBytes, type MemberSource, type WrittenMember } from './backup-archive';
import {
  BACKUP_FORMAT,
  KEYRING_FILE,
  MANIFEST_FORMAT,
  MANIFEST_MEMBER,
  manifestText,
  OPENING_MEMBER,
  SEALED_KEYRING_MEMBER,
  type BackupManifest,
  type BackupOpening,
} from './backup-manifest';
import { macOf, newPassphraseCost, passphraseKeys, sealWith } from './backup-seal';
import { RESTORES_FILE } from './restore-record';

/** Said to the person running the command: a refusal before anything was written. */
export class BackupRefusedError extends Error {
  override name = 'BackupRefusedError';
}

export interface BackupSummary {
  file: string;
  backupId: string;
  takenAt: string;
  bytes: number;
  sha256: string;
  /** Stored files (uploads, packages, statements, outbox mail) in the archive. */
  files: number;
  temporal: boolean;
  heads: AuditHeads;
}

/** What in DATA_DIR is not copied as a file: the databases go in as snapshots, the rest is of the running stack. */
const isLiveFile = (rel: string): boolean =>
  /^(disposition|temporal)\.db(-wal|-shm|-journal)?$/.test(rel) ||
  rel === 'temporal.address' ||
  /^\.(backup|restore)-/.test(rel.split('/')[0]!) ||
  // An upload or a package still being written: not yet named by the record.
  /\.(part|tmp)$/.test(rel);

const inside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

async function* walk(root: string, rel = ''): AsyncGenerator<string> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, child);
    else if (entry.isFile()) yield child;
  }
}

/** Hard-links every stored file not yet linked into `into` (a copy where the file system refuses links). */
async function linkFiles(dataDir: string, keysDir: string, into: string, linked: Set<string>): Promise<void> {
  for await (const rel of walk(dataDir)) {
    if (linked.has(rel) || isLiveFile(rel) || inside(keysDir, path.join(dataDir, rel))) continue;
    const target = path.join(into, rel);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    try {
      await fsp.link(path.join(dataDir, rel), target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Removed between the listing and the link: the record no longer needs it (see the top of this file).
      if (code === 'ENOENT') continue;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      await fsp.copyFile(path.join(dataDir, rel), target);
    }
    linked.add(rel);
  }
}

/** A consistent copy of a SQLite database another process is writing: the online backup API, in one step. */
async function snapshotSqlite(source: string, target: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // The first step copies 100 pages; answering "all the rest" makes the second step one read transaction, so a
    // busy writer cannot keep restarting the copy.
    await db.backup(target, { progress: () => 1_000_000_000 });
  } finally {
    db.close();
  }
}

function snapshotFacts(file: string): { heads: AuditHeads; statements: string[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const entry = db.prepare('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    const event = db
      .prepare('SELECT id, hash FROM intrusion_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1')
      .get() as { id: number; hash: string } | undefined;
    const statements = (db.prepare('SELECT statement_id FROM statements').all() as { statement_id: string }[]).map(
      (r) => r.statement_id,
    );
    return {
      heads: {
        accessLog: entry ? { seq: Number(entry.seq), hash: entry.hash } : null,
        intrusions: event ? { id: Number(event.id), hash: event.hash } : null,
      },
      statements,
    };
  } finally {
    db.close();
  }
}

export async function createBackup(options: {
  dataDir: string;
  keysDir: string;
  out: string;
  passphrase: string;
  keyring: Pick<Keyring, 'currentSigning' | 'signingPublicKey'>;
}): Promise<BackupSummary> {
  const { dataDir, keysDir, keyring } = options;
  const out = path.resolve(options.out);
  if (inside(dataDir, out) || inside(keysDir, out))
    throw new BackupRefusedError(
      `${out} is inside DATA_DIR or KEYS_DIR: write the backup elsewhere (another disk, or a folder that is copied off the machine)`,
    );
  if (fs.existsSync(out)) throw new BackupRefusedError(`${out} exists already: name a new file for this backup`);
  const recordFile = path.join(dataDir, 'disposition.db');
  if (!fs.existsSync(recordFile))
    throw new BackupRefusedError(`there is no case record at ${recordFile}: is DATA_DIR the folder npm start uses?`);

  const backupId = crypto.randomBytes(8).toString('hex');
  const stage = await fsp.mkdtemp(path.join(dataDir, '.backup-'));
  const tmp = `${out}.${backupId}.part`;
  try {
    const files = path.join(stage, 'files');
    const linked = new Set<string>();
    await linkFiles(dataDir, keysDir, files, linked);
    const takenAt = new Date().toISOString();
    await snapshotSqlite(recordFile, path.join(stage, 'disposition.db'));
    const temporalFile = path.join(dataDir, 'temporal.db');
    const temporal = fs.existsSync(temporalFile);
    if (temporal) await snapshotSqlite(temporalFile, path.join(stage, 'temporal.db'));
    await linkFiles(dataDir, keysDir, files, linked);
    const keyringBytes = await fsp.readFile(path.join(keysDir, KEYRING_FILE));

    const { heads, statements } = snapshotFacts(path.join(stage, 'disposition.db'));
    const missing = statements.filter((id) => !linked.has(`statements/${id}.pdf.enc`));
    if (missing.length)
      throw new Error(
        `the record names statement ${missing[0]}, whose file is not in DATA_DIR/statements: the data folder lacks files it should hold, so no backup was written`,
      );
    // The anchors a restore starts from: the snapshot's heads, signed as the running stack signs them.
    const anchors = path.join(stage, 'anchors');
    await fsp.mkdir(anchors, { mode: 0o700 });
    if (heads.accessLog) await new LogHeadAnchor(anchors, 'accessLog', keyring).renew(heads.accessLog);
    if (heads.intrusions)
      await new LogHeadAnchor(anchors, 'intrusions', keyring).renew({
        seq: heads.intrusions.id,
        hash: heads.intrusions.hash,
      });

    const cost = newPassphraseCost();
    const { sealKey, macKey } = await passphraseKeys(options.passphrase, cost);
    const opening: BackupOpening = { format: BACKUP_FORMAT, backupId, takenAt, cost };
    const openingBytes = Buffer.from(`${JSON.stringify(opening, null, 2)}\n`);

    const dataMembers = [...linked].sort().map((rel) => ({ name: `data/${rel}`, file: path.join(files, rel) }));
    const keyMembers: MemberSource[] = [
      ...Object.values(ANCHORED_LOGS)
        .map((log) => path.join(anchors, log.file))
        .filter((file) => fs.existsSync(file))
        .map((file) => ({ name: `keys/${path.basename(file)}`, file })),
      // Restores this data went through before: verify keeps telling their story after the next one.
      ...(fs.existsSync(path.join(keysDir, RESTORES_FILE))
        ? [{ name: `keys/${RESTORES_FILE}`, file: path.join(keysDir, RESTORES_FILE) }]
        : []),
    ];
    const members: MemberSource[] = [
      { name: OPENING_MEMBER, data: openingBytes },
      { name: SEALED_KEYRING_MEMBER, data: sealWith(sealKey, keyringBytes, openingBytes) },
      { name: 'data/disposition.db', file: path.join(stage, 'disposition.db') },
      ...(temporal ? [{ name: 'data/temporal.db', file: path.join(stage, 'temporal.db') }] : []),
      ...dataMembers,
      ...keyMembers,
    ];
    const written: WrittenMember[] = [];
    const whole = crypto.createHash('sha256');
    let bytes = 0;
    const manifest = (): MemberSource[] => {
      const unsigned: Omit<BackupManifest, 'mac'> = {
        format: MANIFEST_FORMAT,
        backupId,
        takenAt,
        heads,
        temporal,
        members: written,
      };
      const signed: BackupManifest = { ...unsigned, mac: macOf(macKey, manifestText(unsigned)) };
      return [{ name: MANIFEST_MEMBER, data: Buffer.from(`${JSON.stringify(signed, null, 2)}\n`) }];
    };
    const counted = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        whole.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    };
    // Written under a name of its own and renamed once whole: a backup cut short never carries the name asked for.
    await pipeline(
      Readable.from(counted(archiveBytes(members, (m) => written.push(m), manifest))),
      fs.createWriteStream(tmp, { mode: 0o600, flags: 'wx' }),
    );
    await fsp.rename(tmp, out);
    return {
      file: out,
      backupId,
      takenAt,
      bytes,
      sha256: whole.digest('hex'),
      files: dataMembers.length,
      temporal,
      heads,
    };
  } finally {
    await fsp.rm(stage, { recursive: true, force: true });
    await fsp.rm(tmp, { force: true });
  }
}
