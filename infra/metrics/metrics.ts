// What Disposition tells a district's monitoring, in Prometheus's text format: one registry for the HTTP server and
// one for the worker (they may share a process under `npm start`, yet each is scraped on its own listener,
// metrics-listener.ts). Every metric is declared here, so the names a dashboard depends on live in one place; the
// code that counts takes the one object it needs (a route, an activity), and nothing when metrics are off.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CASE_STATUSES } from '../../domain/statuses';
import type { CaseRecordStore } from '../database/case-record-store';

/** Seconds from a few milliseconds to a minute: HTTP requests. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds from a tenth to an hour: packaging a return, rendering a statement. */
const WORK_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpSeconds = new Histogram({
    name: 'disposition_http_request_duration_seconds',
    help: 'HTTP requests by method, route (as declared, not the path asked for) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'disposition_refusals_total',
    help: 'Requests refused, by the error code of the answer (invalid_payload, forbidden, wrong_state, …)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly intrusions = new Counter({
    name: 'disposition_intrusion_events_total',
    help: 'Intrusion events recorded, by kind (a forged link, a guessed password, …)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly uploads = new Counter({
    name: 'disposition_uploads_total',
    help: 'Files received, by what they are (returned data, a roster, a bulk file) and outcome (kept or refused)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly uploadBytes = new Counter({
    name: 'disposition_upload_bytes_total',
    help: 'Bytes of the requests that brought the files kept (multipart framing included), by what they are',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** `records`: the case record, counted at each scrape (cases by status, and those overdue). */
  constructor(records: Pick<CaseRecordStore, 'dashboard'>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'disposition_server_' });
    // One read of the record serves both gauges: the first to be collected reads, the other takes its answer.
    let reading: Promise<Awaited<ReturnType<CaseRecordStore['dashboard']>>> | undefined;
    const read = () => {
      reading ??= records.dashboard(Date.now()).finally(() => setImmediate(() => (reading = undefined)));
      return reading;
    };
    const byStatus: Gauge<'status'> = new Gauge({
      name: 'disposition_cases',
      help: 'Termination cases in the record, by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect: async () => {
        const counts = (await read()).byStatus;
        for (const status of CASE_STATUSES) byStatus.set({ status }, counts[status] ?? 0);
      },
    });
    const overdue: Gauge = new Gauge({
      name: 'disposition_cases_overdue',
      help: 'Open cases whose current task is past its due time',
      registers: [this.registry],
      collect: async () => overdue.set((await read()).overdue),
    });
  }
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly mails = new Counter({
    name: 'disposition_mails_total',
    help: 'Messages handed to the mail server, by kind and outcome (sent or failed: a failed one is retried)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'disposition_webhook_deliveries_total',
    help: "Attempts to deliver an event to a district's webhook endpoint, by outcome",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly packageSeconds = new Histogram({
    name: 'disposition_package_duration_seconds',
    help: 'Seconds to build a return package (read, hash, count, match the roster, compress, encrypt)',
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });
  readonly statementSeconds = new Histogram({
    name: 'disposition_statement_duration_seconds',
    help: 'Seconds to generate, sign and store a statement',
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'disposition_worker_' });
  }
}

/** Times `work` into `histogram` (when there is one), whether it succeeds or throws. */
export async function timed<T>(histogram: Histogram | undefined, work: () => Promise<T>): Promise<T> {
  const end = histogram?.startTimer();
  try {
    return await work();
  } finally {
    end?.();
  }
}
