import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export const temporalAddressFile = (config: Pick<Config, 'dataDir'>): string =>
  path.join(config.dataDir, 'temporal.address');

/** TEMPORAL_ADDRESS, else the address `npm start` wrote to DATA_DIR/temporal.address, else 127.0.0.1:7233. */
export function resolveTemporalAddress(config: Pick<Config, 'dataDir' | 'temporalAddress'>): string {
  if (config.temporalAddress) return config.temporalAddress;
  try {
    const written = fs.readFileSync(temporalAddressFile(config), 'utf8').trim();
    if (written) return written;
  } catch {
    // not started by `npm start`
  }
  return DEFAULT_TEMPORAL_ADDRESS;
}
