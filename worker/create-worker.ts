import path from 'node:path';
// The worker of termination cases: one task queue, the shared data converter, activities wired to infra.
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../infra/tracing/tracing';
import { createActivities, type ActivityDeps } from '../activities';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../infra/keys/payload-codec';
import { webhookTaskQueue } from '../infra/webhooks/webhook-deliveries';

export interface CaseWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
  /** Spans of workflows and activities (OTEL_EXPORTER_OTLP_ENDPOINT); the bundle must then be a traced one. */
  tracing?: Tracing;
}

// .ts from source, .js compiled (dist/): the bundler takes either.
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', `index${path.extname(__filename)}`);

/** The workflows' interceptor: a message not sealed with a district key is refused (workflows/sealed-messages.ts). */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  path.join(__dirname, '..', 'workflows', `sealed-messages${path.extname(__filename)}`),
];

/**
 * Modules loaded once and shared by every workflow in the worker's V8 context, instead of once per cached
 * workflow: zod's module graph (the update validators' schemas are built on it) weighed about 1 MiB in each
 * open case. A shared module must hold no state of one workflow, and the SDK freezes it: zod keeps what it
 * computes lazily on the schemas, which each workflow still builds for itself, so the frozen library works.
 */
export const SHARED_WORKFLOW_MODULES = ['zod'];

/**
 * Temporal's OpenTelemetry interceptors for the workflows, bundled only when tracing is on: they post their spans
 * through the `exporter` sink, which only a traced worker provides. Histories replay the same either way.
 */
export const TRACING_INTERCEPTOR_MODULE = path.join(
  __dirname,
  '..',
  'workflows',
  `traced-interceptors${path.extname(__filename)}`,
);

/**
 * The workflow code bundled once, for both workers of a process (each bundling it again cost seconds and memory
 * at start), with the shared modules and the failure converter the workers' data converter names.
 */
export async function bundleWorkflows(options: { traced?: boolean } = {}): Promise<{ code: string }> {
  const quiet = (): void => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: SHARED_WORKFLOW_MODULES,
    workflowInterceptorModules: interceptorModules(options.traced),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error },
  });
  return { code };
}

function interceptorModules(traced = false): string[] {
  return traced ? [...WORKFLOW_INTERCEPTOR_MODULES, TRACING_INTERCEPTOR_MODULE] : WORKFLOW_INTERCEPTOR_MODULES;
}

/** The bundle, the activities' interceptors and the workflows' span sink a worker takes from its options. */
function workerParts(options: CaseWorkerOptions): Partial<WorkerOptions> {
  const tracing = options.tracing;
  return {
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: SHARED_WORKFLOW_MODULES } }),
    interceptors: {
      ...(options.workflowBundle ? {} : { workflowModules: interceptorModules(!!tracing) }),
      ...(tracing
        ? {
            activity: [
              (ctx) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ],
          }
        : {}),
    },
    ...(tracing ? { sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) } } : {}),
    dataConverter: createDataConverter(options.deps.keyring),
  };
}

export function createCaseWorker(options: CaseWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workerParts(options),
    activities: createActivities(options.deps),
    // Cases wait weeks on people: a bounded cache (about 0.4 MiB a case, bench:cases) rather than every open
    // case in memory; a case evicted from it is replayed from its history when someone next acts on it.
    maxCachedWorkflows: options.maxCachedWorkflows ?? 250,
    shutdownGraceTime: '10 seconds',
  });
}

/** The worker of webhook deliveries (infra/webhooks/webhook-deliveries.ts): its own queue and slots, the same bundle. */
export function createWebhookWorker(options: CaseWorkerOptions): Promise<Worker> {
  const { deliverWebhook, settleWebhookDelivery } = createActivities(options.deps);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: webhookTaskQueue(options.taskQueue),
    ...workerParts(options),
    activities: { deliverWebhook, settleWebhookDelivery },
    maxConcurrentActivityTaskExecutions: 16,
    maxConcurrentWorkflowTaskExecutions: 8,
    maxCachedWorkflows: 50,
    shutdownGraceTime: '5 seconds',
  });
}
