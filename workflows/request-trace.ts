// Which trace the case's slow work belongs to. A person's action arrives as an update, which Temporal's
// OpenTelemetry interceptors run within the trace of the request that sent it; the work it sets in motion (the
// return's packaging after the vendor's submission, the statement after the certification, the mails) is done
// by the main loop, which would otherwise stay in the trace of the request that started the case, weeks before.
// So the loop runs each turn within the trace of the action that last moved the case. Nothing here makes a
// command or reads the clock, and a replay rebuilds the same context from the updates' headers in the history.
import type { Context } from '@opentelemetry/api';

type Api = typeof import('@opentelemetry/api');

/**
 * OpenTelemetry's API, loaded only by a traced worker's interceptors (workflows/traced-interceptors.ts): each
 * cached case holds its own copy of every module it loads, so without tracing it loads none of these.
 */
let api: Api | undefined;

export function traceRequests(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when tracing is on, not with the bundle
  api ??= require('@opentelemetry/api') as Api;
}

export class RequestTrace {
  private last: Context | undefined;

  /** Called within an action's handler: the trace its request belongs to becomes the one the next turn joins. */
  note(): void {
    if (api) this.last = api.context.active();
  }

  /**
   * Runs one turn of the main loop within the trace of the last action (or the workflow's own). It returns the
   * turn's own promise, so the loop awaits exactly what it awaited before tracing existed.
   */
  run<T>(turn: () => Promise<T>): Promise<T> {
    return api && this.last ? api.context.with(this.last, turn) : turn();
  }
}
