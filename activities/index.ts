// The activities of a termination case, wired to their collaborators (createActivities(deps)).
import { makeBuildReturnPackage } from './build-return-package';
import { makeDisposeData } from './dispose-data';
import { makeGenerateStatement, type StatementDeps } from './generate-statement';
import { makeRecordCase } from './record-case';
import { makeSendCaseMail, type MailDeps } from './send-case-mail';

export type ActivityDeps = MailDeps & StatementDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    recordCase: makeRecordCase(deps),
    sendCaseMail: makeSendCaseMail(deps),
    buildReturnPackage: makeBuildReturnPackage(deps),
    generateStatement: makeGenerateStatement(deps),
    ...makeDisposeData(deps),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
