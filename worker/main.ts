// `npm run worker`: the worker alone, against TEMPORAL_ADDRESS (or the address `npm start` wrote).
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { WebhookDeps } from '../activities/webhooks';
import type { CaseInput } from '../domain/case-input';
import { SqlWebhookStore } from '../infra/database/webhook-store';
import { SqlBulkStore } from '../infra/database/bulk-store';
import { startCaseWorkflow } from '../infra/temporal/case-starts';
import { startWebhookDelivery } from '../infra/webhooks/webhook-deliveries';
import { loadConfig } from '../infra/config';
import { openStores } from '../infra/database/open-stores';
import { openKeyring } from '../infra/keys/keys';
import { createMailTransport } from '../infra/mail/mail-transport';
import { openCaseFileStorage } from '../infra/storage/open-case-file-storage';
import {
  connectToTemporal,
  ensureNamespace,
  ensureSearchAttributes,
  temporalConnectionOptions,
} from '../infra/temporal/temporal-connection';
import { ensureAuditCheckpointSchedule } from './audit-checkpoint-schedule';
import { bundleWorkflows, createCaseWorker, createWebhookWorker } from './create-worker';
import { SqlRosterStore } from '../infra/database/roster-store';
import { WorkerMetrics } from '../infra/metrics/metrics';
import { WorkerLog } from '../infra/temporal/worker-log';
import pino from 'pino';
import { listenForMetrics, scrape } from '../infra/metrics/metrics-listener';
import { freePort } from '../infra/free-port';
import { startTracing } from '../infra/tracing/tracing';

/** `options.maxCachedWorkflows`: the workflow cache (bench:cases measures memory against it); else the default. */
export async function runWorker(signal?: AbortSignal, options: { maxCachedWorkflows?: number } = {}): Promise<void> {
  const config = loadConfig();
  const tracing = config.tracing && startTracing(config.tracing);
  const temporal = temporalConnectionOptions(config);
  const stores = await openStores(config);
  const keyring = await openKeyring(config, stores.database);
  await stores.bindKeyring(config, keyring);
  const { records, users, accessLog } = stores;
  const emailsOf = (role: string) => async () =>
    (await users.listUsers()).filter((u) => u.role === role && u.email).map((u) => u.email!);
  const storage = await openCaseFileStorage(config, keyring);
  await storage.checkReachable();
  const transport = createMailTransport(config, (line) => console.log(`[worker] ${line}`));

  const client = await connectToTemporal(temporal);
  if (await ensureNamespace(client, config.namespace)) console.log(`[worker] registered namespace ${config.namespace}`);
  const added = await ensureSearchAttributes(client, config.namespace);
  if (added.length) console.log(`[worker] registered search attributes: ${added.join(', ')}`);
  // The same connection starts webhook deliveries, each its own workflow.
  const starter = new Client({
    connection: client,
    namespace: config.namespace,
    // A delivery or a bulk file's case started from an activity joins the activity's trace.
    ...(tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
  const schedule = await ensureAuditCheckpointSchedule(
    starter,
    config.taskQueue,
    config.auditCheckpointEveryMs,
    (line) => console.log(`[worker] ${line}`),
  );
  if (schedule !== 'kept')
    console.log(`[worker] audit checkpoint schedule ${schedule}: every ${config.auditCheckpointEveryMs / 1000} s`);
  const webhooks: WebhookDeps = {
    store: new SqlWebhookStore(stores.database, keyring),
    startDelivery: (deliveryId, run) => startWebhookDelivery(starter, config.taskQueue, deliveryId, run),
  };

  // And the cases of bulk files (activities/bulk-start.ts).
  const bulk = {
    store: new SqlBulkStore(stores.database, stores.seal),
    startCase: (caseId: string, input: CaseInput, actor: string) =>
      startCaseWorkflow(
        starter,
        { taskQueue: config.taskQueue, retentionMs: config.retentionMs },
        caseId,
        input,
        actor,
      ),
  };

  // The runtime, which takes its settings only before its first use: the worker's log as JSON lines with the case
  // id (infra/temporal/worker-log.ts), and the Temporal SDK's own metrics (task slots, polls, latencies) from its
  // core's exporter on a loopback port of its own, which the worker's listener serves after ours.
  const metrics = config.workerMetricsPort !== undefined ? new WorkerMetrics() : undefined;
  const bindAddress = metrics && `127.0.0.1:${await freePort()}`;
  let sdkMetrics: string | undefined;
  try {
    Runtime.install({
      logger: new WorkerLog(pino({ level: config.logLevel, base: { process: 'worker' } })),
      ...(bindAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true } } } }
        : {}),
    });
    if (bindAddress) sdkMetrics = `http://${bindAddress}/metrics`;
  } catch (err) {
    // Installed already by whoever runs this worker in its process (a test's harness): its log and metrics stand.
    console.log(
      `[worker] the Temporal runtime was set up already; its log and metrics are kept: ${(err as Error).message}`,
    );
  }
  const metricsListener =
    metrics &&
    (await listenForMetrics({
      host: config.metricsHost,
      port: config.workerMetricsPort!,
      registry: metrics.registry,
      ...(sdkMetrics ? { more: () => scrape(sdkMetrics) } : {}),
    }));
  if (metricsListener)
    console.log(`[worker] Prometheus metrics on http://${config.metricsHost}:${metricsListener.port}/metrics`);

  const connection = await NativeConnection.connect(temporal);
  const workflowBundle = await bundleWorkflows({ traced: !!tracing });
  const workerOptions = {
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle,
    deps: {
      config,
      records,
      storage,
      keyring,
      transport,
      accessLog,
      webhooks,
      bulk,
      rosters: new SqlRosterStore(stores.database, stores.seal),
      administrators: emailsOf('admin'),
      legalStaff: emailsOf('legal'),
      ...(metrics ? { metrics } : {}),
    },
    ...(tracing ? { tracing } : {}),
    ...options,
  };
  const worker = await createCaseWorker(workerOptions);
  const deliveries = await createWebhookWorker(workerOptions);
  const stop = (): void => {
    worker.shutdown();
    deliveries.shutdown();
  };
  if (signal) signal.addEventListener('abort', stop);
  else {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  console.log(
    `[worker] polling task queue "${config.taskQueue}" on ${temporal.address} (namespace ${config.namespace})`,
  );
  try {
    await Promise.all([worker.run(), deliveries.run()]);
  } finally {
    await metricsListener?.close();
    await connection.close();
    await client.close();
    keyring.close();
    await stores.close();
    transport.close();
    await tracing?.shutdown();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(`[worker] ${(err as Error).message}`);
    process.exit(1);
  });
}
