// Encryption everywhere (7400.1 I.F, I.G): keys rotate without losing old data or links; the server speaks
// TLS with HSTS; and it refuses plain http beyond this machine.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildHttpServer } from '../server/http-server';
import { checkTransportSecurity, ConfigError, loadConfig } from '../infra/config';
import { Keyring } from '../infra/keys/keys';
import { makeLinkToken } from '../infra/keys/link-tokens';
import * as messages from '../workflows/messages';
import { CaseHarness } from './support/case-harness';
import { saveStream, scratchFile } from './support/artifacts';

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

describe('key rotation', () => {
  let h: CaseHarness;
  beforeAll(async () => {
    h = await CaseHarness.start();
  });
  afterAll(async () => h?.close());

  it('uses the new keys from then on while old packages, staged files and links stay readable', async () => {
    const caseId = await h.startCase();
    const ackLink = (await h.vendorMail(caseId, 'acknowledge')).link;
    await h.vendorAct(ackLink, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    const returnLink = (await h.vendorMail(caseId, 'return')).link;
    await h.stage(caseId, 'permanent', 'before.csv', 'id\n1\n2\n');
    const kidOf = (file: string): string => {
      const head = fs.readFileSync(file);
      return head.subarray(5, 5 + head[4]!).toString();
    };
    const stagingDir = path.join(h.dataDir, 'staging', caseId);
    const oldFileKid = kidOf(
      path.join(
        stagingDir,
        fs.readdirSync(stagingDir).find((f) => f.endsWith('.enc'))!,
      ),
    );

    const rotated = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../bin/disposition.js'), 'keys', 'rotate', '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, DATA_DIR: h.dataDir, TEMPORAL_ADDRESS: inject('temporalAddress') },
      },
    );
    expect(rotated.status).toBe(0);
    const { kids } = JSON.parse(rotated.stdout) as { kids: Record<string, string> };
    expect(kids.file).not.toBe(oldFileKid);
    await new Promise((r) => setTimeout(r, 2100)); // running processes pick the new keys up within seconds

    await h.stage(caseId, 'electronic', 'after.jsonl', '{"a":1}\n');
    const after = fs
      .readdirSync(stagingDir)
      .filter((f) => f.endsWith('.enc'))
      .map((f) => kidOf(path.join(stagingDir, f)));
    expect(after.sort()).toEqual([oldFileKid, kids.file].sort());
    expect(makeLinkToken(h.keyring, { caseId, task: 'return', gen: 1, expiresAt: 2_000_000_000 }).split('.')[1]).toBe(
      kids.link,
    );

    // The link mailed before the rotation still works, and the package mixes files under both keys.
    await h.vendorAct(returnLink, messages.submitReturn, { files: await h.stagedRefs(caseId) });
    const record = await h.waitForStatus(caseId, 'awaiting_review');
    const zip = fs.readFileSync(
      await saveStream(
        h.storage.openPackage(caseId, record.returnPackages[0]!.packageId!),
        scratchFile('after-rotation.zip'),
      ),
    );
    expect(sha256(zip)).toBe(record.returnPackages[0]!.zipSha256);
    // A fresh keyring object (a restarted server) reads the package written before it existed.
    const restarted = Keyring.open(h.config.keysDir);
    expect(restarted.current('file').kid).toBe(kids.file);
    expect(restarted.get('file', oldFileKid)).toBeDefined();
  });
});

describe('transport security', () => {
  it('refuses a public http URL without TLS or a proxy in front, and allows loopback', () => {
    expect(() => checkTransportSecurity(loadConfig({ PUBLIC_URL: 'http://disposition.district.example' }))).toThrow(
      ConfigError,
    );
    expect(() => checkTransportSecurity(loadConfig({ PUBLIC_URL: 'http://disposition.district.example' }))).toThrow(
      /TLS_CERT and TLS_KEY, or TRUST_PROXY=1/,
    );
    expect(() =>
      checkTransportSecurity(loadConfig({ PUBLIC_URL: 'http://disposition.district.example', TRUST_PROXY: '1' })),
    ).not.toThrow();
    expect(() => checkTransportSecurity(loadConfig({ PUBLIC_URL: 'http://localhost:3000' }))).not.toThrow();
    expect(() => loadConfig({ TLS_CERT: '/x.pem' })).toThrow(/go together/);
  });

  it('`npm run server` stops with the reason when PUBLIC_URL is plain http beyond loopback', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-tls-'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../server/main.ts')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PUBLIC_URL: 'http://disposition.district.example',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
      },
      timeout: 30_000,
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('7400.1 I.F');
  });

  it('serves HTTPS with HSTS when TLS_CERT and TLS_KEY are set', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-cert-'));
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(made.status).toBe(0);
    const h = await CaseHarness.start({
      noWorker: true,
      env: {
        TLS_CERT: path.join(dir, 'cert.pem'),
        TLS_KEY: path.join(dir, 'key.pem'),
        PUBLIC_URL: 'https://localhost:3443',
      },
    });
    const { users, accessLog, counters, signatories } = h.stores;
    const app = buildHttpServer({
      config: h.config,
      client: h.client,
      service: h.service,
      records: h.records,
      users,
      storage: h.storage,
      keyring: h.keyring,
      accessLog,
      counters,
      webhooks: h.webhooks,
      bulk: h.bulk,
      signatories,
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; hsts: string | undefined; body: string }>(
        (resolve, reject) => {
          https
            .get({ host: '127.0.0.1', port, path: '/api/health', rejectUnauthorized: false }, (res) => {
              let body = '';
              res.on('data', (d) => {
                body += d;
              });
              res.on('end', () =>
                resolve({ status: res.statusCode!, hsts: res.headers['strict-transport-security'], body }),
              );
            })
            .on('error', reject);
        },
      );
      expect(answer.status).toBe(200);
      expect(answer.hsts).toMatch(/max-age=\d+/);
      expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    } finally {
      await app.close();
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
