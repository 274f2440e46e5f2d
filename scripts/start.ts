// `npm start`: the whole stack on embedded defaults: the Temporal dev server (unless TEMPORAL_ADDRESS is set),
// the worker and the HTTP server. Ctrl-C stops all of them.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../infra/config';
import { temporalAddressFile } from '../infra/temporal/temporal-address';
import { runServer } from '../server/main';
import { runWorker } from '../worker/main';
import { freePort, startDevServer, type DevServer } from './dev-server';
import { obtainTemporalCli } from './temporal-cli';

export async function main(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  let devServer: DevServer | undefined;
  if (!config.temporalAddress) {
    const cli = obtainTemporalCli((line) => console.log(`[temporal] ${line}`));
    const port = (await isFree(7233)) ? 7233 : await freePort();
    const uiPort = (await isFree(8233)) ? 8233 : await freePort();
    devServer = await startDevServer({ cli, dbFile: path.join(config.dataDir, 'temporal.db'), port, uiPort });
    console.log(`[temporal] dev server on ${devServer.address} (database ${path.join(config.dataDir, 'temporal.db')})`);
    console.log(`[temporal] Web UI on ${devServer.uiUrl}`);
  }
  const address = config.temporalAddress ?? devServer!.address;
  fs.writeFileSync(temporalAddressFile(config), `${address}\n`);
  process.env.TEMPORAL_ADDRESS = address;

  const stopping = new AbortController();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    console.log('\nStopping…');
    stopping.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const worker = runWorker(stopping.signal);
  const server = runServer(stopping.signal);
  // When either ends (Ctrl-C, or a failure), the other stops too.
  await Promise.race(
    [worker, server].map((p) =>
      p.then(
        () => undefined,
        () => undefined,
      ),
    ),
  );
  stop();
  const results = await Promise.allSettled([worker, server]);
  await devServer?.stop();
  fs.rmSync(temporalAddressFile(config), { force: true });
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    console.error(`error: ${(failed.reason as Error).message}`);
    process.exit(1);
  }
  console.log('Stopped.');
}

async function isFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  });
}
