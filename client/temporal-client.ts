// The only Temporal client: the HTTP server and the CLI both go through it, with the shared data converter.
import { Client } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { Keyring } from '../infra/keys';
import { createDataConverter } from '../infra/payload-codec';
import { connectToTemporal } from '../infra/temporal-connection';
import { resolveTemporalAddress } from '../infra/temporal-address';

export async function createTemporalClient(config: Config, keyring: Keyring, waitMs?: number): Promise<Client> {
  const connection = await connectToTemporal(resolveTemporalAddress(config), waitMs);
  return new Client({ connection, namespace: config.namespace, dataConverter: createDataConverter(keyring) });
}
