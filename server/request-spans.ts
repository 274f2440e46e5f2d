// A span per HTTP request when tracing is on (infra/tracing/tracing.ts): named by the route's pattern, never the
// URL (a vendor's URL carries the link token), and made the active context for the request's hooks and handler,
// so the Temporal client's call within it, and through Temporal's headers the workflow and its activities, join
// the request's trace. A trace context sent by the client is taken only from a proxy the server trusts.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

/** Registered before every other hook, so each runs within the request's span. */
export function traceRequests(app: FastifyInstance, tracer: Tracer, trustProxy: boolean): void {
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const parent = trustProxy ? propagation.extract(ROOT_CONTEXT, request.headers) : ROOT_CONTEXT;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          ...(route ? { 'http.route': route } : {}),
          'url.scheme': request.protocol,
          // The id the answer carries in X-Request-Id and the log lines carry as reqId.
          'disposition.request_id': request.id,
        },
      },
      parent,
    );
    // 'close' comes for an answer sent and for a client gone mid-way alike (onResponse misses the latter).
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (!reply.raw.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
      else if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), done);
  });
}

/** For the server's log lines: the trace and span they belong to, so a log line leads to its trace. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active())?.spanContext();
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
