// A second "server" for the store contract tests: its own process and connection, appending to the shared log.
import { openStores } from '../../infra/database/open-stores';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const actor = process.argv[3] ?? 'appender';
  const stores = await openStores({
    dataDir: process.env.DATA_DIR!,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
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
    await stores.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
