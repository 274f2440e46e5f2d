// The HTTP server: the JSON API and the pages (docs/api.md) over the same CaseService and case record.
import { OidcSignIn } from './oidc-sign-in';
import { STAFF_ACTIONS, type StaffAction } from '../actions/registry';
import type { ServerMetrics } from '../infra/metrics/metrics';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import crypto from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import { checkTransportSecurity, isLoopbackUrl, type Config } from '../infra/config';
import { DispositionError, ERROR_CODES } from '../domain/errors';
import { DatabaseUnavailableError, isDatabaseConnectionError } from '../infra/database/sql-database';
import { StorageUnavailableError } from '../infra/storage/case-file-storage';
import { AllowedMethods } from './allowed-methods';
import { Auth } from './auth';
import { messagePage } from './pages/staff-pages';
import { RateLimiter } from './rate-limits';
import { documentPath } from './openapi';
import { noteRefusal, pathForLog, rememberAddress, SecurityEvents } from './security-events';
import { malformedMultipart } from './uploads';
import { registerRequestLimits } from './request-limits';
import { activeTraceIds, traceRequests } from './request-spans';
import { registerAuditApi } from './routes/api-audit';
import { registerBulkApi } from './routes/api-bulk';
import { registerCaseApi } from './routes/api-cases';
import { registerCodecApi } from './routes/api-codec';
import { registerPublicApi } from './routes/api-public';
import { registerVendorApi } from './routes/api-vendor';
import { registerWebhookApi } from './routes/api-webhooks';
import { registerPublicPages } from './routes/pages-public';
import { registerStaffPages } from './routes/pages-staff';
import { registerSettingsPages } from './routes/pages-settings';
import { registerOutboxPages } from './routes/pages-outbox';
import type { ServerContext, ServerDeps } from './server-context';

/** Any error as a DispositionError with a code the client can act on; what is unexpected hides its message. */
function classify(error: unknown): DispositionError {
  if (error instanceof DispositionError) return error;
  const e = error as FastifyError & { statusCode?: number };
  if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413)
    return new DispositionError('too_large', 'the request body is larger than allowed');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415)
    return new DispositionError('unsupported_media_type', `unsupported content type: ${e.message}`);
  if (
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    e instanceof SyntaxError
  )
    return new DispositionError('invalid_payload', 'the body is not valid JSON');
  const multipart = malformedMultipart(error);
  if (multipart) return multipart;
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return new DispositionError('invalid_payload', e.message);
  // The stores and the file storage are other machines on several nodes: an outage is a 503 to retry, not a 500.
  if (error instanceof StorageUnavailableError)
    return new DispositionError(
      'storage_unavailable',
      'the file storage does not answer; nothing was lost, please try again shortly',
    );
  if (error instanceof DatabaseUnavailableError || isDatabaseConnectionError(error))
    return new DispositionError(
      'database_unavailable',
      'the database does not answer; nothing was lost, please try again shortly',
    );
  return new DispositionError('internal', 'something went wrong on our side; it has been logged');
}

/** The headers every answer carries, those given before routing included. */
function securityHeaders(https: boolean): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer', // link tokens live in vendor URLs
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ...(https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** Node's parser refused the request (headers too large, a timeout, bytes that are not HTTP): answered here, with our headers. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, headers: Record<string, string>): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'too_large', 'the request headers are larger than allowed']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'invalid_payload', 'the request was not sent in time']
        : [400, 'Bad Request', 'invalid_payload', 'the request is not well-formed HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  const lines = Object.entries({
    ...headers,
    'Cache-Control': 'no-store',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  }).map(([name, value]) => `${name}: ${value}`);
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
  socket.destroy();
}

/** The routes that take a file, by what the file is: the uploads the metrics count. */
const UPLOAD_ROUTES = new Map<string, string>([
  ['/api/vendor/:token/files', 'returned'],
  ['/v/:token/files', 'returned'],
  ['/api/cases/bulk', 'bulk'],
  ['/cases/bulk', 'bulk'],
  ...(Object.values(STAFF_ACTIONS) as StaffAction[])
    .filter((action) => action.upload)
    .flatMap((action) => [
      [`/api/cases/:caseId/${action.path}`, action.path] as const,
      [`/cases/:caseId/${action.path}`, action.path] as const,
    ]),
]);

/** A request's duration by its route's pattern (never its path, which may hold a link token), and its upload. */
function countRequest(metrics: ServerMetrics, request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const status = reply.statusCode;
  metrics.httpSeconds.observe({ method: request.method, route, status: String(status) }, reply.elapsedTime / 1000);
  const kind = request.method === 'POST' ? UPLOAD_ROUTES.get(route) : undefined;
  if (!kind) return;
  const kept = status < 400;
  metrics.uploads.inc({ kind, outcome: kept ? 'kept' : 'refused' });
  const bytes = Number(request.headers['content-length'] ?? 0);
  if (kept && bytes > 0) metrics.uploadBytes.inc({ kind }, bytes);
}

export function buildHttpServer(deps: ServerDeps): FastifyInstance {
  const https = deps.config.publicUrl.startsWith('https:');
  const ctx: ServerContext = {
    ...deps,
    auth: new Auth(
      deps.users,
      https,
      deps.config.passwordSignIn ? undefined : { signInWith: deps.config.oidc?.name ?? 'the district account' },
    ),
    routes: [],
    ...(deps.config.oidc
      ? { oidc: new OidcSignIn(deps.config.oidc, deps.config.publicUrl, deps.keyring, deps.users, https) }
      : {}),
  };
  const tls = deps.config.tls
    ? { https: { cert: fs.readFileSync(deps.config.tls.certFile), key: fs.readFileSync(deps.config.tls.keyFile) } }
    : {};
  const headers = securityHeaders(https || !!deps.config.tls);
  const app = Fastify({
    // JSON lines with a request id on each; the path as its route pattern, so a link token never reaches the log,
    // and no body, header or query: no personal data either.
    logger: {
      level: deps.config.logLevel,
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      serializers: {
        req: (request: FastifyRequest) => ({ method: request.method, path: pathForLog(request) }),
        res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      },
      ...(deps.tracer ? { mixin: activeTraceIds } : {}),
    },
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false, // our ids only: a client's would let it write into the log
    trustProxy: deps.config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
    // A socket that moves no byte for this long is closed: a stalled upload cannot hold a connection and a staged file.
    connectionTimeout: deps.config.idleTimeoutMs,
    routerOptions: { maxParamLength: 1024 },
    // Answers the router and Node's parser give before any hook runs carry the same headers, and never echo the URL (it may hold a link token).
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const answer = reply as unknown as FastifyReply;
      void answer
        .headers({ ...headers, 'Cache-Control': 'no-store' })
        .code(tooLong ? 414 : 400)
        .send({
          error: {
            code: 'invalid_payload',
            message: tooLong ? 'the address is longer than any this server answers' : 'the address is not well-formed',
          },
        });
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, headers),
    ...tls,
  }) as unknown as FastifyInstance;
  const events = new SecurityEvents({
    accessLog: deps.accessLog,
    counters: deps.counters,
    keyring: deps.keyring,
    burst: deps.config.intrusionBurst,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.mail
      ? {
          alert: {
            transport: deps.mail,
            from: deps.config.mailFrom,
            publicUrl: deps.config.publicUrl,
            recipients: async () => [
              ...new Set(
                [
                  deps.config.adminEmail,
                  ...(await deps.users.listUsers()).filter((u) => u.role === 'admin' && u.email).map((u) => u.email),
                ].filter((a): a is string => !!a),
              ),
            ],
          },
        }
      : {}),
  });

  if (deps.tracer) traceRequests(app, deps.tracer, deps.config.trustProxy);
  app.register(cookie);
  app.register(formbody);
  // preservePath: we see the name as sent, so a path in it is refused rather than quietly trimmed.
  app.register(multipart, {
    preservePath: true,
    limits: { fileSize: deps.config.uploadMaxBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  });
  // The statement to verify streams through its hash (routes/api-public.ts): never a whole body in memory.
  app.addContentTypeParser('application/pdf', (_request, payload, done) => done(null, payload));
  registerRequestLimits(app, {
    bodyDeadlineMs: deps.config.bodyDeadlineMs,
    connectionsPerAddress: deps.config.connectionsPerAddress,
    trustProxy: deps.config.trustProxy,
  });

  const limiter = new RateLimiter(deps.counters);
  const allowedMethods = new AllowedMethods();
  app.addHook('onRoute', (route) => {
    allowedMethods.add(route);
    const doc = route.config?.doc;
    for (const method of [route.method].flat()) {
      if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') continue;
      // No API route without its entry in the document: the document is made from these.
      if (!doc && route.url.startsWith('/api/'))
        throw new Error(`${method} ${route.url} has no entry for the API document (config.doc)`);
      if (doc)
        ctx.routes.push({
          method: method.toLowerCase() as 'get' | 'post' | 'delete',
          path: documentPath(route.url),
          doc,
        });
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    rememberAddress(request);
    events.track(request, reply);
    await ctx.auth.load(request);
    reply.headers(headers);
    reply.header('X-Request-Id', request.id); // quoted in a support request, it finds the log lines
    // Case data, pages with names, vendor tasks: no browser or proxy keeps a copy. Only the stylesheet and scripts are cacheable.
    if (!request.url.startsWith('/static/')) reply.header('Cache-Control', 'no-store');
    await limiter.check(request);
    // Before the router's choice: GET /api/statements/verify is the resource `verify`, not a statement id.
    if (request.url.startsWith('/api/')) {
      const allow = allowedMethods.allowed(request.url.split('?')[0]!);
      if (allow.length > 0 && !allow.includes(request.method)) {
        reply.header('Allow', allow.join(', '));
        throw new DispositionError(
          'method_not_allowed',
          `this resource does not take ${request.method}; it takes ${allow.join(', ')}`,
        );
      }
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    await events.onSend(request, reply, payload);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (deps.metrics) countRequest(deps.metrics, request, reply);
    await events.onResponse(request, reply);
  });

  app.after(() => {
    registerPublicApi(app, ctx);
    registerCaseApi(app, ctx);
    registerVendorApi(app, ctx);
    registerCodecApi(app, ctx);
    registerWebhookApi(app, ctx);
    registerBulkApi(app, ctx);
    registerAuditApi(app, ctx);
    registerStaffPages(app, ctx);
    registerPublicPages(app, ctx);
    registerSettingsPages(app, ctx);
    registerOutboxPages(app, ctx);
  });

  app.setNotFoundHandler((request, reply) => {
    const message = `no route ${request.method} ${request.url.split('?')[0]}`;
    if (request.url.startsWith('/api/')) return reply.code(404).send({ error: { code: 'not_found', message } });
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(messagePage('Not found', 'There is no page at this address.'));
  });

  app.setErrorHandler((error, request, reply) => {
    const refusal = classify(error);
    if (refusal.code !== 'internal') noteRefusal(request, refusal);
    const status = ERROR_CODES[refusal.code].http;
    const retryAfter = (refusal.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (retryAfter) reply.header('Retry-After', String(retryAfter));
    // The route pattern, not the URL: a vendor URL carries its link token, which must never reach a log.
    if (refusal.code === 'internal') request.log.error({ err: error }, 'failed');
    else if (status === 503) request.log.warn({ reason: (error as Error).message }, 'a service did not answer');
    if (request.url.startsWith('/api/')) {
      return reply.code(status).send({
        error: {
          code: refusal.code,
          message: refusal.message,
          ...(refusal.details ? { details: refusal.details } : {}),
        },
      });
    }
    if (refusal.code === 'unauthorized') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        messagePage(
          status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'That did not work',
          refusal.message,
        ),
      );
  });
  return app;
}

export async function listen(app: FastifyInstance, config: Config): Promise<string> {
  checkTransportSecurity(config);
  // Loopback unless the public URL says the server is meant to be reached from elsewhere.
  const host = isLoopbackUrl(config.publicUrl) ? '127.0.0.1' : '0.0.0.0';
  await app.listen({ port: config.port, host });
  return `${config.tls ? 'https' : 'http'}://${host}:${config.port}`;
}
