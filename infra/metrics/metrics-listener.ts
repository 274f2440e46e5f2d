// The listener a Prometheus server scrapes: GET /metrics on a port of its own (METRICS_PORT for the HTTP server,
// WORKER_METRICS_PORT for the worker), on loopback unless METRICS_HOST says otherwise, apart from the pages and
// the API so that it is never exposed with them. `more` adds text from elsewhere (the Temporal SDK's own metrics).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

export async function listenForMetrics(options: {
  host: string;
  port: number;
  registry: Registry;
  more?: () => Promise<string>;
}): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        const [own, more] = await Promise.all([options.registry.metrics(), options.more?.() ?? '']);
        response.writeHead(200, { 'content-type': options.registry.contentType }).end(more ? `${own}\n${more}` : own);
      } catch (err) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The text of another Prometheus endpoint (the Temporal SDK's), or a comment saying why it is missing. */
export async function scrape(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return `# ${url} answered ${response.status}\n`;
    return await response.text();
  } catch (err) {
    return `# ${url} could not be read: ${(err as Error).message}\n`;
  }
}
