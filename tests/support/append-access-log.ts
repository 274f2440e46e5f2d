// A second "server" for the store contract tests: its own process and connection, appending to the shared log.
import path from 'node:path';
import { openStores } from '../../infra/database/open-stores';
import { Keyring } from '../../infra/keys/keys';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const actor = process.argv[3] ?? 'appender';
  const stores = await openStores({
    dataDir: process.env.DATA_DIR!,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
  // The keyring the test's own stores use (beside the data): the chain's hashes are keyed with it.
  const keysDir = path.join(process.env.DATA_DIR!, 'keys');
  const keyring = Keyring.open(keysDir);
  await stores.bindKeyring(
    { keysDir, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) },
    keyring,
  );
  try {
    for (let i = 0; i < count; i += 1) {
      await stores.accessLog.append({
        actor,
        role: 'system',
        action: `append ${i}`,
        outcome: 'ok',
        ip: 'local',
        userAgent: 'contract-test',
      });
    }
  } finally {
    keyring.close();
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
