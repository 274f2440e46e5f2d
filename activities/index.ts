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

export type ActivityDeps = MailDeps &
  StatementDeps &
  RetentionDeps &
  Pick<DeliveryDeps, 'webhooks' | 'deliveryTimeoutMs'> & {
    bulk?: BulkDeps;
    rosters?: SqlRosterStore;
    accessLog?: CheckpointDeps['accessLog'] & StatementDeps['accessLog'] & RetentionDeps['accessLog'];
  };

export function createActivities(deps: ActivityDeps) {
  const sendCaseMail = makeSendCaseMail(deps);
  return {
    ...makeRecordCase(deps),
    sendCaseMail,
    ...makeExceptionActivities({ records: deps.records, sendCaseMail }),
    ...makeSubprocessorMail({ records: deps.records, sendCaseMail }),
    buildReturnPackage: makeBuildReturnPackage(deps),
    generateStatement: makeGenerateStatement(deps),
    ...makeDisposeData(deps),
    ...makeRetentionActivities(deps),
    ...makeBulkActivities(deps),
    ...makeCheckpointActivities(deps),
    ...makeWebhookActivities({ ...deps, administrators: deps.administrators ?? (async () => []) }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
