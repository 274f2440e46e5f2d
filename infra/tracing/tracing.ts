// OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) names a receiver: one tracer
// provider per process (`npm start` runs the server and the worker in one), spans batched and posted as OTLP over
// HTTP, the W3C trace context carried in Temporal's headers from the HTTP request to the workflow and its
// activities (Temporal's OpenTelemetry interceptors, worker/create-worker.ts and client/temporal-client.ts).
// README (Traces) says what a trace holds.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingSettings } from '../config';

export interface Tracing {
  /** Takes the spans the workflows send out through their sink (a workflow cannot post them itself). */
  processor: SpanProcessor;
  resource: Resource;
  tracer: Tracer;
  /** Sends what is batched and, when the last user of the process stops, unregisters the provider. */
  shutdown(): Promise<void>;
}

let running: { tracing: Omit<Tracing, 'shutdown'>; provider: BasicTracerProvider; users: number } | undefined;

/** The process's tracing, started at its first use; each caller shuts down its own share. */
export function startTracing(settings: TracingSettings): Tracing {
  if (!running) {
    const resource = new Resource({ 'service.name': settings.serviceName });
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }));
    const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    provider.register({
      contextManager: new AsyncLocalStorageContextManager(),
      propagator: new W3CTraceContextPropagator(),
    });
    running = { tracing: { processor, resource, tracer: trace.getTracer('disposition') }, provider, users: 0 };
  }
  const share = running;
  share.users += 1;
  let stopped = false;
  return {
    ...share.tracing,
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      share.users -= 1;
      if (share.users > 0) return share.provider.forceFlush();
      if (running === share) running = undefined;
      await share.provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
