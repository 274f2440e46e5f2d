// `npm run server`: the HTTP server alone, against TEMPORAL_ADDRESS (or the address `npm start` wrote).
import { SqlRosterStore } from '../infra/database/roster-store';
import { checkTransportSecurity, loadConfig } from '../infra/config';
import { openStores } from '../infra/database/open-stores';
import { SqlBulkStore } from '../infra/database/bulk-store';
import { SqlWebhookStore } from '../infra/database/webhook-store';
import { createMailTransport } from '../infra/mail/mail-transport';
import { openKeyring } from '../infra/keys/keys';
import { openCaseFileStorage } from '../infra/storage/open-case-file-storage';
import { CaseService } from '../client/case-service';
import { createTemporalClient } from '../client/temporal-client';
import { buildHttpServer, listen } from './http-server';
import { ServerMetrics } from '../infra/metrics/metrics';
import { listenForMetrics } from '../infra/metrics/metrics-listener';
import { startTracing } from '../infra/tracing/tracing';

export async function runServer(signal?: AbortSignal): Promise<void> {
  const config = loadConfig();
  checkTransportSecurity(config);
  const tracing = config.tracing && startTracing(config.tracing);
  const stores = await openStores(config);
  const keyring = await openKeyring(config, stores.database);
  await stores.bindKeyring(config, keyring);
  const { records, users, accessLog, counters, signatories } = stores;
  const mail = createMailTransport(config, (line) => console.log(`[server] ${line}`));
  const storage = await openCaseFileStorage(config, keyring);
  await storage.checkReachable();
  const client = await createTemporalClient(config, keyring);
  const bulk = new SqlBulkStore(stores.database, stores.seal);
  const service = new CaseService(
    client,
    records,
    keyring,
    config,
    undefined,
    bulk,
    new SqlRosterStore(stores.database, stores.seal),
  );
  const webhooks = new SqlWebhookStore(stores.database, keyring);
  const metrics = config.metricsPort !== undefined ? new ServerMetrics(records) : undefined;
  const app = buildHttpServer({
    config,
    client,
    service,
    records,
    users,
    storage,
    keyring,
    accessLog,
    counters,
    webhooks,
    bulk,
    mail,
    signatories,
    ...(metrics ? { metrics } : {}),
    ...(tracing ? { tracer: tracing.tracer } : {}),
  });
  const address = await listen(app, config);
  console.log(`[server] listening on ${address} (public URL ${config.publicUrl})`);
  const metricsListener =
    metrics &&
    (await listenForMetrics({ host: config.metricsHost, port: config.metricsPort!, registry: metrics.registry }));
  if (metricsListener)
    console.log(`[server] Prometheus metrics on http://${config.metricsHost}:${metricsListener.port}/metrics`);
  if ((await users.countUsers()) === 0) {
    console.log('[server] No accounts yet. Create the first administrator:');
    console.log(
      '[server]   npx disposition user add --username admin --role admin --email you@district.example --password-stdin',
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    if (signal) signal.addEventListener('abort', stop);
    else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  await metricsListener?.close();
  await app.close();
  await client.connection.close();
  keyring.close();
  await stores.close();
  await tracing?.shutdown();
  mail.close();
}

if (require.main === module) {
  runServer().catch((err) => {
    console.error(`[server] ${(err as Error).message}`);
    process.exit(1);
  });
}
