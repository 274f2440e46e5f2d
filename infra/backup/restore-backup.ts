// `disposition backup restore FILE` into an empty DATA_DIR (and KEYS_DIR): all or nothing. Every member is written
// into a folder beside the target and checked against the manifest; only when the whole archive checked out is
// that folder renamed into place. A wrong passphrase is found at the second member, before any data is written;
// damage is found where it is, naming the member, and the folder beside the target is removed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Keyring } from '../keys/keys';
import { archiveMembers, BackupDamagedError, type ReadMember, type WrittenMember } from './backup-archive';
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
import { isSaneCost, macHolds, openWith, passphraseKeys } from './backup-seal';
import { BackupRefusedError } from './create-backup';
import { readRestoreRecords, RESTORES_FILE, signRestore, type RestoreRecord } from './restore-record';

export interface RestoreSummary {
  dataDir: string;
  keysDir: string;
  backupId: string;
  takenAt: string;
  restoredAt: string;
  files: number;
  temporal: boolean;
  record: RestoreRecord;
}

/** Small members (the opening, the keyring, the manifest) are read whole; nothing else is. */
const SMALL_MEMBER = 64 * 1024 * 1024;

async function whole(member: ReadMember): Promise<Buffer> {
  if (member.bytes > SMALL_MEMBER) throw new BackupDamagedError(`member ${member.name} is far larger than it can be`);
  const parts: Buffer[] = [];
  for await (const piece of member.body) parts.push(piece);
  return Buffer.concat(parts);
}

const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** Absent, or an empty folder: nothing there that a restore could overwrite or mix with. */
async function refuseUnlessEmpty(dir: string, what: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new BackupRefusedError(`${what} ${dir} is a file, not a folder`);
    throw err;
  }
  if (names.length)
    throw new BackupRefusedError(
      `${what} ${dir} is not empty (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): a restore goes into an empty folder, so that nothing of the data there is overwritten or mixed in; nothing was written`,
    );
}

/** A member's path below its folder, refused when it could climb out of it. */
function placeOf(name: string, prefix: 'data/' | 'keys/'): string {
  const rel = name.slice(prefix.length);
  const parts = rel.split('/');
  if (!rel || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\')))
    throw new BackupDamagedError(`member ${name} has a name no backup gives`);
  return rel;
}

async function writeMember(member: ReadMember, file: string): Promise<WrittenMember> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const hash = crypto.createHash('sha256');
  const handle = await fsp.open(file, 'wx', 0o600);
  try {
    for await (const piece of member.body) {
      hash.update(piece);
      await handle.write(piece);
    }
  } finally {
    await handle.close();
  }
  return { name: member.name, bytes: member.bytes, sha256: hash.digest('hex') };
}

function checkManifest(manifest: BackupManifest, read: WrittenMember[]): void {
  for (const [i, listed] of manifest.members.entries()) {
    const got = read[i];
    if (!got || got.name !== listed.name)
      throw new BackupDamagedError(`member ${listed.name}, which the manifest lists, is missing from the archive`);
    if (got.bytes !== listed.bytes || got.sha256 !== listed.sha256)
      throw new BackupDamagedError(
        `member ${listed.name} does not match its SHA-256 in the manifest: the archive is damaged there`,
      );
  }
  if (read.length > manifest.members.length)
    throw new BackupDamagedError(
      `member ${read[manifest.members.length]!.name} is in the archive but not in its manifest`,
    );
}

export async function restoreBackup(options: {
  file: string;
  dataDir: string;
  keysDir: string;
  passphrase: string;
  districtName?: string;
  now?: () => number;
}): Promise<RestoreSummary> {
  const { dataDir, keysDir } = options;
  const keysInside =
    !path.relative(dataDir, keysDir).startsWith('..') && !path.isAbsolute(path.relative(dataDir, keysDir));
  await refuseUnlessEmpty(dataDir, 'DATA_DIR');
  if (!keysInside) await refuseUnlessEmpty(keysDir, 'KEYS_DIR');
  const source = fs.createReadStream(options.file);
  await new Promise<void>((resolve, reject) => {
    source.once('open', () => resolve());
    source.once('error', (err) => reject(new BackupRefusedError(`${options.file} cannot be read: ${err.message}`)));
  });

  const suffix = `.restore-${crypto.randomBytes(4).toString('hex')}`;
  await fsp.mkdir(path.dirname(dataDir), { recursive: true });
  const tempData = await fsp.mkdtemp(`${dataDir}${suffix}-`);
  const tempKeys = keysInside ? path.join(tempData, path.relative(dataDir, keysDir)) : `${keysDir}${suffix}`;
  if (!keysInside) await fsp.mkdir(path.dirname(keysDir), { recursive: true });
  await fsp.mkdir(tempKeys, { recursive: true, mode: 0o700 });
  let placed: 'none' | 'keys' | 'all' = 'none';
  try {
    const members = archiveMembers(source);
    const next = async (): Promise<ReadMember | undefined> => {
      const step = await members.next();
      return step.done ? undefined : step.value;
    };
    const first = await next();
    if (!first || first.name !== OPENING_MEMBER)
      throw new BackupDamagedError(
        `${options.file} is not a Disposition backup: it does not open with ${OPENING_MEMBER}`,
      );
    const openingBytes = await whole(first);
    let opening: BackupOpening;
    try {
      opening = JSON.parse(openingBytes.toString('utf8')) as BackupOpening;
    } catch {
      throw new BackupDamagedError(`member ${OPENING_MEMBER} is damaged: it is not JSON`);
    }
    if (opening.format !== BACKUP_FORMAT || !opening.cost)
      throw new BackupDamagedError(`member ${OPENING_MEMBER} is not a ${BACKUP_FORMAT} opening`);
    if (!isSaneCost(opening.cost))
      throw new BackupDamagedError(
        `member ${OPENING_MEMBER} asks for passphrase costs no backup is made with (scrypt N ${opening.cost.N}, r ${opening.cost.r}, p ${opening.cost.p})`,
      );
    const second = await next();
    if (!second || second.name !== SEALED_KEYRING_MEMBER)
      throw new BackupDamagedError(`member ${SEALED_KEYRING_MEMBER} is missing where it belongs, second`);
    const sealed = await whole(second);
    const { sealKey, macKey } = await passphraseKeys(options.passphrase, opening.cost);
    const keyringBytes = openWith(sealKey, sealed, openingBytes);
    if (!keyringBytes)
      throw new BackupRefusedError(
        'BACKUP_PASSPHRASE does not open the keyring sealed in this backup: it is not the passphrase the backup was made with (or the archive is damaged at its start); nothing was written',
      );

    const read: WrittenMember[] = [
      { name: OPENING_MEMBER, bytes: openingBytes.length, sha256: sha256(openingBytes) },
      { name: SEALED_KEYRING_MEMBER, bytes: sealed.length, sha256: sha256(sealed) },
    ];
    let manifest: BackupManifest | undefined;
    for (let member = await next(); member; member = await next()) {
      if (manifest) throw new BackupDamagedError(`member ${member.name} follows the manifest, which ends a backup`);
      if (member.name === MANIFEST_MEMBER) {
        const text = (await whole(member)).toString('utf8');
        try {
          manifest = JSON.parse(text) as BackupManifest;
        } catch {
          throw new BackupDamagedError(`member ${MANIFEST_MEMBER} is damaged: it is not JSON`);
        }
        const { mac, ...unsigned } = manifest;
        if (
          manifest.format !== MANIFEST_FORMAT ||
          typeof mac !== 'string' ||
          !macHolds(macKey, manifestText(unsigned), mac)
        )
          throw new BackupDamagedError(
            `member ${MANIFEST_MEMBER} was altered: its MAC under BACKUP_PASSPHRASE does not hold`,
          );
        continue;
      }
      const target = member.name.startsWith('data/')
        ? path.join(tempData, placeOf(member.name, 'data/'))
        : member.name.startsWith('keys/')
          ? path.join(tempKeys, placeOf(member.name, 'keys/'))
          : undefined;
      if (!target) throw new BackupDamagedError(`member ${member.name} has a name no backup gives`);
      read.push(await writeMember(member, target));
    }
    if (!manifest)
      throw new BackupDamagedError(`the archive has no ${MANIFEST_MEMBER}, its last member: it was cut short`);
    checkManifest(manifest, read);

    await fsp.writeFile(path.join(tempKeys, KEYRING_FILE), keyringBytes, { mode: 0o600, flag: 'wx' });
    const keyring = Keyring.open(tempKeys, { ...(options.districtName ? { districtName: options.districtName } : {}) });
    const restoredAt = new Date(options.now?.() ?? Date.now()).toISOString();
    const record = signRestore(
      {
        backupId: manifest.backupId,
        takenAt: manifest.takenAt,
        restoredAt,
        accessLog: manifest.heads.accessLog,
        intrusions: manifest.heads.intrusions,
      },
      keyring,
    );
    keyring.close();
    await fsp.writeFile(
      path.join(tempKeys, RESTORES_FILE),
      `${JSON.stringify([...readRestoreRecords(tempKeys), record], null, 2)}\n`,
      { mode: 0o600 },
    );

    // Into place: the keys first when they live apart, so the data never appears without them.
    if (!keysInside) {
      await fsp.rmdir(keysDir).catch(() => undefined);
      await fsp.rename(tempKeys, keysDir);
      placed = 'keys';
    }
    // An empty folder is replaced; one that something wrote into meanwhile makes the rename fail, as it should.
    await fsp.rmdir(dataDir).catch(() => undefined);
    await fsp.rename(tempData, dataDir);
    placed = 'all';
    return {
      dataDir,
      keysDir,
      backupId: manifest.backupId,
      takenAt: manifest.takenAt,
      restoredAt,
      files: manifest.members.filter(
        (m) => m.name.startsWith('data/') && !/^data\/(disposition|temporal)\.db$/.test(m.name),
      ).length,
      temporal: manifest.temporal,
      record,
    };
  } finally {
    source.destroy();
    if (placed !== 'all') {
      await fsp.rm(tempData, { recursive: true, force: true });
      if (!keysInside) await fsp.rm(placed === 'keys' ? keysDir : tempKeys, { recursive: true, force: true });
    }
  }
}
