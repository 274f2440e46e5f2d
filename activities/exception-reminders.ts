// The day an exception of the register ends: the administrators are told, through the case's own mail (so the
// message is sent once, and kept in the correspondence file).
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { MailResult } from './send-case-mail';
import type { CaseState } from '../domain/case-state';
import type { MailSpec } from '../domain/mail';

export function makeExceptionActivities(deps: {
  records: CaseRecordStore;
  sendCaseMail(input: { state: CaseState; mail: MailSpec }): Promise<MailResult>;
}) {
  return {
    async remindExceptionEnds({ caseId, exceptionId }: { caseId: string; exceptionId: string }): Promise<void> {
      const record = await deps.records.getCase(caseId);
      if (!record) throw new Error(`case ${caseId} is not in the record`);
      await deps.sendCaseMail({
        state: record.state,
        mail: { id: `exception-ends-${exceptionId}`, kind: 'exception_ends', exceptionId },
      });
    },
  };
}
