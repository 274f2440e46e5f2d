// What every CLI command stands on: configuration, keys, the case record and (lazily) Temporal.
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../infra/config';
import { SqliteCaseRecordStore } from '../infra/database/sqlite-case-record-store';
import { SqliteUserStore } from '../infra/database/sqlite-user-store';
import { SqliteAccessLog } from '../infra/database/sqlite-access-log';
import { Keyring } from '../infra/keys';
import { FsCaseFileStorage } from '../infra/storage/fs-case-file-storage';
import { CaseService } from './case-service';
import { createTemporalClient } from './temporal-client';

export interface CliContext {
  config: Config;
  keyring: Keyring;
  records: SqliteCaseRecordStore;
  users: SqliteUserStore;
  accessLog: SqliteAccessLog;
  storage: FsCaseFileStorage;
  actor: string;
  service(): Promise<CaseService>;
  close(): Promise<void>;
}

export function openCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const config = loadConfig(env);
  const keyring = Keyring.open(config.keysDir);
  const records = new SqliteCaseRecordStore(path.join(config.dataDir, 'disposition.db'));
  const users = new SqliteUserStore(path.join(config.dataDir, 'disposition.db'));
  const accessLog = new SqliteAccessLog(path.join(config.dataDir, 'disposition.db'));
  const storage = new FsCaseFileStorage(config.dataDir, keyring);
  let client: Client | undefined;
  return {
    config,
    keyring,
    records,
    users,
    accessLog,
    storage,
    actor: `cli:${os.userInfo().username}`,
    async service() {
      // The CLI never starts a server: a short wait, then a clear error.
      client ??= await createTemporalClient(config, keyring, 5_000);
      return new CaseService(client, records, keyring, config, 30_000);
    },
    async close() {
      await client?.connection.close();
      records.close();
      await users.close();
      accessLog.close();
    },
  };
}
