// `disposition backup create FILE` and `disposition backup restore FILE` on one machine (infra/backup/). A restore
// goes into an empty DATA_DIR, so it opens nothing before the archive has checked out: no database is made there,
// no keyring. On several machines each part has its own tool (pg_dump, a bucket copy): README, "Backup and restore".
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DispositionError } from '../domain/errors';
import { readableMoment } from '../domain/dates';
import { dataPlaces } from '../infra/data-places';
import { BackupDamagedError } from '../infra/backup/backup-archive';
import { backupPassphrase, BackupPassphraseError } from '../infra/backup/backup-seal';
import { BackupRefusedError, createBackup } from '../infra/backup/create-backup';
import { restoreBackup } from '../infra/backup/restore-backup';
import { openCliContext } from './cli-context';
import { reportRefusal } from './cli-refusal';

type Out = (text: string) => void;

class UsageError extends Error {}

export const isBackupCommand = (argv: readonly string[]): boolean => argv[0] === 'backup';

/** One machine only: with a database server or a bucket, the backup is theirs to take (README). */
function refuseSeveralMachines(env: NodeJS.ProcessEnv): void {
  const setting = ['DATABASE_URL', 'STORAGE_URL'].find((name) => env[name]);
  if (setting)
    throw new BackupRefusedError(
      `${setting} is set: on several machines the case record, the files and Temporal live in services of their own; back them up with their tools (pg_dump of both databases, a copy of the bucket, KEYRING_KEY kept apart): README, "Backup and restore"`,
    );
}

const whenRead = (iso: string): string => readableMoment(Date.parse(iso));

export async function runBackupCommand(
  argv: string[],
  out: Out,
  err: Out,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let json = false;
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    json = values.json === true;
    if (values.help) {
      out((await import('./cli-usage')).USAGE);
      return 0;
    }
    const [, command, file, ...extra] = positionals;
    if (command !== 'create' && command !== 'restore')
      throw new UsageError(`unknown command "backup ${command ?? ''}"`);
    if (!file) throw new UsageError(`the backup file is required: backup ${command} FILE`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    refuseSeveralMachines(env);
    const passphrase = backupPassphrase(env, command === 'create');
    return command === 'create'
      ? await create(file, passphrase, json, out, env)
      : await restore(file, passphrase, json, out, env);
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(e as Error).message}\n\n${(await import('./cli-usage')).USAGE}`);
      return 2;
    }
    if (e instanceof BackupDamagedError)
      return reportRefusal(
        new DispositionError('invalid_payload', `the backup is damaged: ${e.message}`),
        json,
        out,
        err,
      );
    if (e instanceof BackupRefusedError || e instanceof BackupPassphraseError)
      return reportRefusal(new DispositionError('wrong_state', e.message), json, out, err);
    if (e instanceof DispositionError) return reportRefusal(e, json, out, err);
    err(`error: ${(e as Error).message}`);
    return 1;
  }
}

async function create(
  file: string,
  passphrase: string,
  json: boolean,
  out: Out,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  // Opening the stores would make an empty record where there is none: a mistyped DATA_DIR is said instead.
  const record = path.join(dataPlaces(env).dataDir, 'disposition.db');
  if (!fs.existsSync(record))
    throw new BackupRefusedError(`there is no case record at ${record}: is DATA_DIR the folder npm start uses?`);
  const ctx = await openCliContext(env);
  try {
    // In the access log before the snapshot, so the backup holds the entry that says who took it (7400.1 I.D).
    await ctx.logCommand('backup create', 'ok');
    const made = await createBackup({
      dataDir: ctx.config.dataDir,
      keysDir: ctx.config.keysDir,
      out: file,
      passphrase,
      keyring: ctx.keyring,
    });
    if (json) out(JSON.stringify(made, null, 2));
    else {
      out(`Backup ${made.backupId} written to ${made.file}: ${made.bytes} bytes, SHA-256 ${made.sha256}`);
      out(
        `  the case record as of ${whenRead(made.takenAt)}, ${made.files} stored file(s), ${made.temporal ? "the Temporal dev server's database" : 'no Temporal database (none in DATA_DIR: a Temporal server of its own, TEMPORAL_ADDRESS, is backed up with its own tools)'}, the keyring sealed with BACKUP_PASSPHRASE`,
      );
      out('  keep BACKUP_PASSPHRASE apart from the file: the backup cannot be restored without it');
    }
    return 0;
  } finally {
    await ctx.close();
  }
}

async function restore(
  file: string,
  passphrase: string,
  json: boolean,
  out: Out,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { dataDir, keysDir, districtName } = dataPlaces(env);
  const restored = await restoreBackup({ file, dataDir, keysDir, passphrase, districtName });
  // The restore is in the restored access log too, after the backup's last entry.
  const ctx = await openCliContext(env);
  try {
    await ctx.logCommand('backup restore', `ok backup ${restored.backupId} taken ${restored.takenAt}`);
  } finally {
    await ctx.close();
  }
  if (json) out(JSON.stringify(restored, null, 2));
  else {
    out(`Backup ${restored.backupId}, taken ${whenRead(restored.takenAt)}, restored into ${restored.dataDir}`);
    out(
      `  the case record, ${restored.files} stored file(s)${restored.temporal ? ", the Temporal dev server's database" : ''} and the keyring (${restored.keysDir})`,
    );
    out(
      '  `npm start` on this DATA_DIR continues every open case; `disposition audit verify` reports that the logs end at the backup',
    );
  }
  return 0;
}
