// Reaching Temporal from the worker, the server and the CLI: the dev server on loopback, a self-hosted cluster,
// or Temporal Cloud (an API key, or mTLS), with the namespace and the case search attributes in place.
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import type { Config } from '../config';
import { resolveTemporalAddress } from './temporal-address';

const INDEXED = temporal.api.enums.v1.IndexedValueType;
const TYPES = {
  Keyword: INDEXED.INDEXED_VALUE_TYPE_KEYWORD,
  Bool: INDEXED.INDEXED_VALUE_TYPE_BOOL,
  Datetime: INDEXED.INDEXED_VALUE_TYPE_DATETIME,
};
/** How long a namespace we register keeps closed workflows; the case record keeps what users need after. */
const REGISTERED_RETENTION_SECONDS = 7 * 86_400;

import { TemporalUnavailableError } from './temporal-errors';

export { TemporalUnavailableError };

/** Address, TLS and API key, in the shape both the client's Connection and the worker's NativeConnection take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?:
    | true
    | { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string };
  apiKey?: string;
}

export function temporalConnectionOptions(
  config: Pick<Config, 'dataDir' | 'temporalAddress' | 'temporalApiKey' | 'temporalTls'>,
): TemporalConnectionOptions {
  const address = resolveTemporalAddress(config);
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new TemporalUnavailableError(`${what} ${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const tls = config.temporalTls
    ? {
        clientCertPair: {
          crt: read(config.temporalTls.certFile, 'TEMPORAL_TLS_CERT'),
          key: read(config.temporalTls.keyFile, 'TEMPORAL_TLS_KEY'),
        },
        ...(config.temporalTls.caFile
          ? { serverRootCACertificate: read(config.temporalTls.caFile, 'TEMPORAL_TLS_CA') }
          : {}),
        ...(config.temporalTls.serverName ? { serverNameOverride: config.temporalTls.serverName } : {}),
      }
    : config.temporalApiKey
      ? (true as const)
      : undefined; // an API key only ever travels over TLS
  return { address, ...(tls ? { tls } : {}), ...(config.temporalApiKey ? { apiKey: config.temporalApiKey } : {}) };
}

/** Connects, retrying for up to `waitMs` (a server that is still starting). */
export async function connectToTemporal(
  options: TemporalConnectionOptions | string,
  waitMs = 30_000,
): Promise<Connection> {
  const connection = typeof options === 'string' ? { address: options } : options;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await Connection.connect({ ...connection, connectTimeout: '5 seconds' });
    } catch (err) {
      if (Date.now() > deadline)
        throw new TemporalUnavailableError(`cannot reach Temporal at ${connection.address}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Registers the namespace when the cluster lacks it (a self-hosted cluster set up without it). Temporal Cloud
 * refuses registration through this API: there the namespace must exist, and the refusal says so.
 */
export async function ensureNamespace(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if ((err as { code?: number }).code !== 5) throw err; // 5: NOT_FOUND
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(REGISTERED_RETENTION_SECONDS * 1000),
    });
  } catch (err) {
    if ((err as { code?: number }).code === 6) return false; // 6: ALREADY_EXISTS, another node was first
    throw new TemporalUnavailableError(
      `the namespace "${namespace}" does not exist and could not be registered (${(err as Error).message}); create it on the cluster (temporal operator namespace create --namespace ${namespace})`,
    );
  }
  // A new namespace reaches every service's cache within seconds; until then it answers NOT_FOUND.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      await connection.operatorService.listSearchAttributes({ namespace });
      return true;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Registers the search attributes a server lacks (one started without the dev server's flags). */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !have.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
  });
  return missing.map(([name]) => name);
}
