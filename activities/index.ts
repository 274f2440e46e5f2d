// The activities of a termination case, wired to their collaborators (createActivities(deps)).
import { makeCheckpointActivities, type CheckpointDeps } from './audit-checkpoint';
import { makeBuildReturnPackage } from './build-return-package';
import { makeBulkActivities, type BulkDeps } from './bulk-start';
import { makeDisposeData } from './dispose-data';
import { makeExceptionActivities } from './exception-reminders';
import { makeGenerateStatement, type StatementDeps } from './generate-statement';
import { makeRecordCase } from './record-case';
import { makeRetentionActivities, type RetentionDeps } from './retain-package';
import { makeSendCaseMail, type MailDeps } from './send-case-mail';
import { makeSubprocessorMail } from './subprocessor-mail';
import { makeWebhookActivities, type DeliveryDeps } from './webhooks';
import type { SqlRosterStore } from '../infra/database/roster-store';
import { timed, type WorkerMetrics } from '../infra/metrics/metrics';
import type { Histogram } from 'prom-client';

export type ActivityDeps = MailDeps &
  StatementDeps &
  RetentionDeps &
  Pick<DeliveryDeps, 'webhooks' | 'deliveryTimeoutMs'> & {
    bulk?: BulkDeps;
    rosters?: SqlRosterStore;
    /** What the worker's Prometheus listener serves (WORKER_METRICS_PORT); none when metrics are off. */
    metrics?: WorkerMetrics;
    accessLog?: CheckpointDeps['accessLog'] & StatementDeps['accessLog'] & RetentionDeps['accessLog'];
  };

/** `activity`, its every run timed into `histogram` when there is one. */
function timedBy<A extends unknown[], R>(
  histogram: Histogram | undefined,
  activity: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return histogram ? (...args) => timed(histogram, () => activity(...args)) : activity;
}

export function createActivities(deps: ActivityDeps) {
  const sendCaseMail = makeSendCaseMail(deps);
  return {
    ...makeRecordCase(deps),
    sendCaseMail,
    ...makeExceptionActivities({ records: deps.records, sendCaseMail }),
    ...makeSubprocessorMail({ records: deps.records, sendCaseMail }),
    buildReturnPackage: timedBy(deps.metrics?.packageSeconds, makeBuildReturnPackage(deps)),
    generateStatement: timedBy(deps.metrics?.statementSeconds, makeGenerateStatement(deps)),
    ...makeDisposeData(deps),
    ...makeRetentionActivities(deps),
    ...makeBulkActivities(deps),
    ...makeCheckpointActivities(deps),
    ...makeWebhookActivities({ ...deps, administrators: deps.administrators ?? (async () => []) }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
