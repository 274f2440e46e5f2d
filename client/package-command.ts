// `disposition package build DIR --out FILE` and `disposition package open FILE --out ZIP`: a folder made into an
// encrypted return package (a return delivered on a drive), and a package decrypted. They touch the keyring and
// the files named, no case: on one machine the keyring is the file beside the data, so this entry loads neither
// the database, Temporal nor the API's schemas (bin/disposition.js comes straight here). With DATABASE_URL the
// keyring is the database's: the database is opened for it alone.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DispositionError, ERROR_CODES } from '../domain/errors';
import { dataPlaces } from '../infra/data-places';
import { createDecryptStream } from '../infra/keys/encryption-at-rest';
import { packageFolder } from '../infra/package/folder-package';
import { Keyring, openKeyring } from '../infra/keys/keys';
import { writeDecryptedFile } from './decrypted-file';
import { reportRefusal } from './cli-refusal';

type Out = (text: string) => void;

class UsageError extends Error {}

export const isPackageCommand = (argv: readonly string[]): boolean =>
  argv[0] === 'package' && (argv[1] === 'build' || argv[1] === 'open');

/**
 * The keyring and how to let it go: the file beside the data, or the database's (its keyring table alone: no
 * stores bound, no file storage, no Temporal).
 */
async function keyringOf(env: NodeJS.ProcessEnv): Promise<{ keyring: Keyring; close(): Promise<void> }> {
  if (env.DATABASE_URL) {
    const [{ loadConfig }, { openDatabase }] = await Promise.all([
      import('../infra/config'),
      import('../infra/database/open-stores'),
    ]);
    const config = loadConfig(env);
    const database = await openDatabase(config);
    const keyring = await openKeyring(config, database, env).catch(async (err) => {
      await database.close();
      throw err;
    });
    return {
      keyring,
      close: async () => {
        keyring.close();
        await database.close();
      },
    };
  }
  const { keysDir, districtName } = dataPlaces(env);
  const keyring = Keyring.open(keysDir, { districtName });
  return { keyring, close: async () => keyring.close() };
}

export async function runPackageCommand(
  argv: string[],
  out: Out,
  err: Out,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let json = false;
  let opened: Awaited<ReturnType<typeof keyringOf>> | undefined;
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    json = values.json === true;
    if (values.help) {
      out((await import('./cli-usage')).USAGE);
      return 0;
    }
    const [, command, source, ...extra] = positionals;
    if (!source) throw new UsageError(command === 'build' ? 'the folder is required' : 'the package file is required');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!values.out) throw new UsageError(command === 'build' ? '--out FILE is required' : '--out ZIP is required');
    opened = await keyringOf(env);
    if (command === 'build') {
      const built = await packageFolder(source, values.out, opened.keyring);
      out(
        json
          ? JSON.stringify({ file: values.out, ...built }, null, 2)
          : `${values.out}: ${built.files} file(s), ZIP ${built.zipBytes} bytes, SHA-256 ${built.zipSha256}`,
      );
    } else {
      const sha256 = await writeDecryptedFile(
        [fs.createReadStream(source), createDecryptStream(opened.keyring)],
        values.out,
      );
      out(json ? JSON.stringify({ file: values.out, sha256 }, null, 2) : `${values.out}: ZIP SHA-256 ${sha256}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      // Only a mistake pays for the usage text, which names every command.
      err(`${(e as Error).message}\n\n${(await import('./cli-usage')).USAGE}`);
      return 2;
    }
    if (e instanceof DispositionError) return reportRefusal(e, json, out, err);
    err(`error: ${(e as Error).message}`);
    if (env.DATABASE_URL) {
      const database = await import('../infra/database/sql-database');
      if (
        e instanceof database.DatabaseUnavailableError ||
        e instanceof database.DatabaseTooNewError ||
        database.isDatabaseConnectionError(e)
      )
        return ERROR_CODES.database_unavailable.exit;
    }
    return 1;
  } finally {
    await opened?.close();
  }
}
