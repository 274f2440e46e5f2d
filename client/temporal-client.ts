// The only Temporal client: the HTTP server and the CLI both go through it, with the shared data converter.
import { Client } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { Keyring } from '../infra/keys/keys';
import { createDataConverter } from '../infra/keys/payload-codec';
import { connectToTemporal, temporalConnectionOptions } from '../infra/temporal/temporal-connection';

export async function createTemporalClient(config: Config, keyring: Keyring, waitMs?: number): Promise<Client> {
  const connection = await connectToTemporal(temporalConnectionOptions(config), waitMs);
  return new Client({ connection, namespace: config.namespace, dataConverter: createDataConverter(keyring) });
}
