// `npm run server`: the HTTP server alone, against TEMPORAL_ADDRESS (or the address `npm start` wrote).
import { loadConfig } from '../../infra/config';
import { Keyring } from '../../infra/keys';
import { createTemporalClient } from '../temporal-client';
import { buildHttpServer, listen } from './http-server';

export async function runServer(signal?: AbortSignal): Promise<void> {
  const config = loadConfig();
  const keyring = Keyring.open(config.keysDir);
  const client = await createTemporalClient(config, keyring);
  const app = buildHttpServer({ config, client });
  const address = await listen(app, config);
  console.log(`[server] listening on ${address} (public URL ${config.publicUrl})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    if (signal) signal.addEventListener('abort', stop);
    else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  await app.close();
  await client.connection.close();
}

if (require.main === module) {
  runServer().catch((err) => {
    console.error(`[server] ${(err as Error).message}`);
    process.exit(1);
  });
}
