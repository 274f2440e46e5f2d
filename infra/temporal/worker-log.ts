// The worker's log: JSON lines through pino, as the HTTP server's, each with the case it is about. The Temporal SDK
// hands every log of a workflow, an activity or the worker itself to one logger (installed with the runtime in
// worker/main.ts); this one writes it as pino does, the case id taken from the log's own fields or from the id of
// the workflow it came from (`case-<caseId>`, `retention-<caseId>`, `exception-<caseId>-…`, `subprocessor-<caseId>-…`).
import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import type { Logger as Pino } from 'pino';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

const CASE_WORKFLOW = /^(?:case|retention|exception|subprocessor)-([A-Za-z0-9]{6,32})(?:-|$)/;

/** The case a log entry is about, when it says or its workflow's id does. */
export function caseIdOf(meta: LogMetadata | undefined): string | undefined {
  if (typeof meta?.caseId === 'string') return meta.caseId;
  const workflowId: unknown = meta?.workflowId;
  return typeof workflowId === 'string' ? CASE_WORKFLOW.exec(workflowId)?.[1] : undefined;
}

export class WorkerLog implements Logger {
  constructor(private readonly pino: Pino) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const caseId = caseIdOf(meta);
    const { caseId: _given, ...rest } = meta ?? {};
    this.pino[LEVELS[level]]({ ...rest, ...(caseId ? { caseId } : {}) }, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
