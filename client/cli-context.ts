// What every CLI command stands on: configuration, keys, the case record and (lazily) Temporal.
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../infra/config';
import type { AccessLog } from '../infra/database/access-log';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import { SqlBulkStore } from '../infra/database/bulk-store';
import { SqlWebhookStore } from '../infra/database/webhook-store';
import { openStores } from '../infra/database/open-stores';
import type { UserStore } from '../infra/database/user-store';
import { type Keyring, openKeyring } from '../infra/keys/keys';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import { openCaseFileStorage } from '../infra/storage/open-case-file-storage';
import type { CaseService } from './case-service';

export interface CliContext {
  config: Config;
  keyring: Keyring;
  records: CaseRecordStore;
  users: UserStore;
  accessLog: AccessLog;
  storage: CaseFileStorage;
  webhooks: SqlWebhookStore;
  bulk: SqlBulkStore;
  actor: string;
  /** The command's entry in the access log (7400.1 I.D), as `cli <action>` by this operating-system user. */
  logCommand(action: string, outcome: string, caseId?: string): Promise<void>;
  service(): Promise<CaseService>;
  /** A Temporal client (a webhook resend starts a workflow). */
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

export async function openCliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = loadConfig(env);
  const stores = await openStores(config);
  const keyring = await openKeyring(config, stores.database).catch(async (err) => {
    await stores.close();
    throw err;
  });
  await stores.bindKeyring(config, keyring);
  const { records, users, accessLog } = stores;
  const storage = await openCaseFileStorage(config, keyring);
  const bulk = new SqlBulkStore(stores.database, stores.seal);
  let client: Client | undefined;
  // The CLI never starts a server: a short wait, then a clear error.
  // Loaded by the commands that reach Temporal only (the client is the heaviest of the CLI's modules).
  const temporal = async (): Promise<Client> =>
    (client ??= await (await import('./temporal-client')).createTemporalClient(config, keyring, 5_000));
  const actor = `cli:${os.userInfo().username}`;
  return {
    config,
    keyring,
    records,
    users,
    accessLog,
    storage,
    webhooks: new SqlWebhookStore(stores.database, keyring),
    bulk,
    actor,
    logCommand: async (action, outcome, caseId) => {
      await accessLog.append({
        actor,
        role: 'cli',
        action: `cli ${action}`,
        ...(caseId ? { caseId } : {}),
        outcome,
        ip: 'local',
        userAgent: 'disposition-cli',
      });
    },
    temporal,
    async service() {
      const [{ CaseService: Service }, { SqlRosterStore }] = await Promise.all([
        import('./case-service'),
        import('../infra/database/roster-store'),
      ]);
      const rosters = new SqlRosterStore(stores.database, stores.seal);
      return new Service(await temporal(), records, keyring, config, 30_000, bulk, rosters);
    },
    async close() {
      await client?.connection.close();
      keyring.close();
      await stores.close();
    },
  };
}
