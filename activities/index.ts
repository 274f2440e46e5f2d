// The activities of a termination case, wired to their collaborators (createActivities(deps)).
import { makeBuildReturnPackage } from './build-return-package';
import { makeDisposeData } from './dispose-data';
import { makeGenerateStatement, type StatementDeps } from './generate-statement';
import { makeRecordCase } from './record-case';
import { makeRetentionActivities, type RetentionDeps } from './retain-package';
import { makeSendCaseMail, type MailDeps } from './send-case-mail';

export type ActivityDeps = MailDeps & StatementDeps & RetentionDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    recordCase: makeRecordCase(deps),
    sendCaseMail: makeSendCaseMail(deps),
    buildReturnPackage: makeBuildReturnPackage(deps),
    generateStatement: makeGenerateStatement(deps),
    ...makeDisposeData(deps),
    ...makeRetentionActivities(deps),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
