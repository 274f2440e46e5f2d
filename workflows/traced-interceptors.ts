// The workflows' interceptors of a traced worker (worker/create-worker.ts bundles this module only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set): Temporal's OpenTelemetry ones, and the case's request trace turned on.
import { interceptors as openTelemetry } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import type { WorkflowInterceptors } from '@temporalio/workflow';
import { traceRequests } from './request-trace';

export const interceptors = (): WorkflowInterceptors => {
  traceRequests();
  return openTelemetry();
};
