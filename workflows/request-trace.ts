// Which trace the case's slow work belongs to. A person's action arrives as an update, which Temporal's
// OpenTelemetry interceptors run within the trace of the request that sent it; the work it sets in motion (the
// return's packaging after the vendor's submission, the statement after the certification, the mails) is done
// by the main loop, which would otherwise stay in the trace of the request that started the case, weeks before.
// So the loop runs each turn within the trace of the action that last moved the case. Nothing here makes a
// command or reads the clock: with tracing off (no interceptors bundled) every call is a plain pass-through, and
// a replay rebuilds the same context from the updates' headers in the history.
import { context, type Context } from '@opentelemetry/api';

export class RequestTrace {
  private last: Context | undefined;

  /** Called within an action's handler: the trace its request belongs to becomes the one the next turn joins. */
  note(): void {
    this.last = context.active();
  }

  /** Runs one turn of the main loop within the trace of the last action (or the workflow's own). */
  run<T>(turn: () => Promise<T>): Promise<T> {
    return this.last ? context.with(this.last, turn) : turn();
  }
}
