// Reaching Temporal from the worker, the server and the CLI, with the case search attributes in place.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

const INDEXED = temporal.api.enums.v1.IndexedValueType;
const TYPES = { Keyword: INDEXED.INDEXED_VALUE_TYPE_KEYWORD, Bool: INDEXED.INDEXED_VALUE_TYPE_BOOL, Datetime: INDEXED.INDEXED_VALUE_TYPE_DATETIME };

export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

/** Connects, retrying for up to `waitMs` (a dev server that is still starting). */
export async function connectToTemporal(address: string, waitMs = 30_000): Promise<Connection> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await Connection.connect({ address, connectTimeout: '5 seconds' });
    } catch (err) {
      if (Date.now() > deadline) throw new TemporalUnavailableError(`cannot reach Temporal at ${address}: ${(err as Error).message}`);
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
