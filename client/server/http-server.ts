// The HTTP server. This issue serves GET /api/health; the JSON API and the pages build on it.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Config } from '../../infra/config';

export interface HttpServerDeps {
  config: Config;
  client: Client;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

export function buildHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({ logger: false, trustProxy: false });

  app.get('/api/health', async (_request, reply) => {
    try {
      await deps.client.withDeadline(Date.now() + 3_000, () => deps.client.workflowService.getSystemInfo({}));
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ error: { code: 'temporal_unavailable', message: 'the server cannot reach Temporal' } });
    }
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    reply.code(status).send({ error: { code: status === 500 ? 'internal' : 'bad_request', message: status === 500 ? 'internal error' : error.message } });
  });
  return app;
}

export async function listen(app: FastifyInstance, config: Config): Promise<string> {
  // Loopback unless the public URL says the server is meant to be reached from elsewhere.
  const host = isLoopback(config.publicUrl) ? '127.0.0.1' : '0.0.0.0';
  await app.listen({ port: config.port, host });
  return `http://${host}:${config.port}`;
}
