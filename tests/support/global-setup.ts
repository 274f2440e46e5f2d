// One real Temporal dev server for the whole run, from the project's own CLI, one workflow bundle, and the
// PostgreSQL server of `npm run services:up` (started here when it is not running, and stopped again after).
// Whatever service a test starts and leaves running (a MinIO whose hook timed out) is stopped at the end too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { obtainTemporalCli } from '../../scripts/temporal-cli';
import { servicesUp, stopWhatStartsFromNow } from '../../scripts/services/services';
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

const log = (line: string): void => console.log(`[services] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Only what this run starts: a developer's `npm run services:up` keeps running.
  const stopServices = stopWhatStartsFromNow(log);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-temporal-'));
  let server: DevServer | undefined;
  const teardown = async (): Promise<void> => {
    await stopServices();
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  };
  try {
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
    const services = await servicesUp(['postgres'], log);
    project.provide('postgresAdminUrl', services.env.DATABASE_URL!);
  } catch (err) {
    // vitest runs no teardown for a setup that failed: stop here what got started.
    await teardown();
    throw err;
  }
  return teardown;
}
