// The two database backends every store contract runs against: SQLite in a fresh folder, and a fresh database on
// the PostgreSQL server that the test run started (tests/support/global-setup.ts, npm run services:up).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export interface DatabaseBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** A fresh, empty database: its settings for openStores, and a way to drop it. */
  fresh(): Promise<{ dataDir: string; databaseUrl?: string; drop(): Promise<void> }>;
}

const sqlite: DatabaseBackend = {
  name: 'SQLite',
  async fresh() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-store-'));
    return { dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  },
};

const postgres: DatabaseBackend = {
  name: 'PostgreSQL',
  async fresh() {
    const adminUrl = inject('postgresAdminUrl');
    const name = `contract_${crypto.randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-store-'));
    return {
      dataDir,
      databaseUrl: url.toString(),
      async drop() {
        const again = new pg.Client({ connectionString: adminUrl });
        await again.connect();
        try {
          // An autovacuum worker in the database can make FORCE fail for a moment (a cluster made before the
          // role had pg_signal_backend): try again shortly.
          for (let attempt = 1; ; attempt += 1) {
            try {
              await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
              break;
            } catch (err) {
              if ((err as { code?: string }).code !== '42501' || attempt === 10) throw err;
              await new Promise((r) => setTimeout(r, 300));
            }
          }
        } finally {
          await again.end();
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const DATABASE_BACKENDS: DatabaseBackend[] = [sqlite, postgres];
