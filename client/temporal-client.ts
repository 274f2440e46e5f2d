// The only Temporal client: the HTTP server and the CLI both go through it, with the shared data converter.
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../infra/config';
import type { Keyring } from '../infra/keys/keys';
import { createDataConverter } from '../infra/keys/payload-codec';
import { connectToTemporal, temporalConnectionOptions } from '../infra/temporal/temporal-connection';

export async function createTemporalClient(config: Config, keyring: Keyring, waitMs?: number): Promise<Client> {
  const connection = await connectToTemporal(temporalConnectionOptions(config), waitMs);
  return new Client({
    connection,
    namespace: config.namespace,
    dataConverter: createDataConverter(keyring),
    // With tracing on, each start, update and signal is a span whose context travels to the workflow in its
    // headers (infra/tracing/tracing.ts); without a tracer provider the spans go nowhere.
    ...(config.tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
}
