// Temporal beyond the dev server: connection settings for a cluster or Temporal Cloud, and a namespace that a
// fresh cluster lacks registered with the case search attributes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ConfigError, loadConfig } from '../infra/config';
import {
  connectToTemporal,
  ensureNamespace,
  ensureSearchAttributes,
  temporalConnectionOptions,
  TemporalUnavailableError,
} from '../infra/temporal/temporal-connection';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-temporal-tls-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('connection settings', () => {
  it('sends an API key over TLS only', () => {
    const options = temporalConnectionOptions(
      loadConfig({ TEMPORAL_ADDRESS: 'district.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' }),
    );
    expect(options).toEqual({ address: 'district.a1b2c.tmprl.cloud:7233', tls: true, apiKey: 'secret-key' });
  });

  it('reads the client certificate, its key and a CA for mTLS', () => {
    for (const name of ['client.pem', 'client.key', 'ca.pem'])
      fs.writeFileSync(path.join(dir, name), `${name} contents`);
    const options = temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: 'temporal.district.example:7233',
        TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
        TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal',
      }),
    );
    expect(options.tls).toEqual({
      clientCertPair: { crt: Buffer.from('client.pem contents'), key: Buffer.from('client.key contents') },
      serverRootCACertificate: Buffer.from('ca.pem contents'),
      serverNameOverride: 'temporal',
    });
  });

  it('refuses half a certificate pair, and names a file it cannot read', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: path.join(dir, 'client.pem') })).toThrow(ConfigError);
    expect(() =>
      temporalConnectionOptions(
        loadConfig({
          TEMPORAL_TLS_CERT: path.join(dir, 'missing.pem'),
          TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
        }),
      ),
    ).toThrow(/TEMPORAL_TLS_CERT .*missing\.pem cannot be read/);
  });

  it('names the address it could not reach', async () => {
    await expect(connectToTemporal({ address: '127.0.0.1:1' }, 0)).rejects.toThrow(TemporalUnavailableError);
    await expect(connectToTemporal({ address: '127.0.0.1:1' }, 0)).rejects.toThrow(
      /cannot reach Temporal at 127\.0\.0\.1:1/,
    );
  });
});

describe('a cluster without our namespace', () => {
  it('registers the namespace once, then the search attributes', async () => {
    const connection = await connectToTemporal(inject('temporalAddress'));
    try {
      const namespace = `district-${crypto.randomBytes(4).toString('hex')}`;
      expect(await ensureNamespace(connection, namespace)).toBe(true);
      expect(await ensureNamespace(connection, namespace)).toBe(false);
      expect((await ensureSearchAttributes(connection, namespace)).sort()).toEqual(
        Object.keys(SEARCH_ATTRIBUTES).sort(),
      );
      expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
    } finally {
      await connection.close();
    }
  }, 60_000);
});
