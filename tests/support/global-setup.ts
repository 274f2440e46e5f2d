// One real Temporal dev server for the whole run, from the project's own CLI, one workflow bundle, and the
// PostgreSQL server of `npm run services:up` (started here when it is not running, and stopped again after).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { obtainTemporalCli } from '../../scripts/temporal-cli';
import { stopPostgres } from '../../scripts/services/postgres';
import { servicesUp } from '../../scripts/services/services';
import { bundleWorkflows } from '../../worker/create-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalDbFile: string;
    temporalCli: string;
    workflowBundlePath: string;
    /** A PostgreSQL server's URL with the right to create databases (the store contract tests make their own). */
    postgresAdminUrl: string;
  }
}

let server: DevServer | undefined;
let scratch: string | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-temporal-'));
  const cli = obtainTemporalCli((line) => console.log(`[temporal] ${line}`));
  const dbFile = path.join(scratch, 'temporal.db');
  server = await startDevServer({ cli, dbFile, port: await freePort(), uiPort: await freePort() });
  const { code } = await bundleWorkflows();
  const bundlePath = path.join(scratch, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalDbFile', dbFile);
  project.provide('temporalCli', cli);
  project.provide('workflowBundlePath', bundlePath);
  const services = await servicesUp(['postgres'], (line) => console.log(`[services] ${line}`));
  project.provide('postgresAdminUrl', services.env.DATABASE_URL!);
  return async () => {
    // Only what this run started: a developer's `npm run services:up` keeps running.
    if (services.started.includes('postgres')) await stopPostgres((line) => console.log(`[services] ${line}`));
    await server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };
}
