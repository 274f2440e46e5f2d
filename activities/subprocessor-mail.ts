// The messages of a subprocessor's follow-up (workflows/subprocessor-follow-up.ts), sent through the case's own
// mail (once each, kept in the correspondence file), from the case as the record holds it. Nothing goes out
// once the subprocessor is settled or the case is closed: the follow-up hears that and ends.
import { isTerminal } from '../domain/statuses';
import type { CaseState } from '../domain/case-state';
import type { MailSpec } from '../domain/mail';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { MailResult } from './send-case-mail';

export type SubprocessorMailOutcome = 'sent' | 'settled' | 'case_closed';

export function makeSubprocessorMail(deps: {
  records: CaseRecordStore;
  sendCaseMail(input: { state: CaseState; mail: MailSpec }): Promise<MailResult>;
}) {
  return {
    async sendSubprocessorMail({ caseId, mail }: { caseId: string; mail: MailSpec }): Promise<SubprocessorMailOutcome> {
      const record = await deps.records.getCase(caseId);
      if (!record) throw new Error(`case ${caseId} is not in the record`);
      if (isTerminal(record.status)) return 'case_closed';
      const sub = record.state.subprocessors?.find((s) => s.id === mail.subprocessor?.id);
      if (!sub) throw new Error(`case ${caseId} names no subprocessor ${mail.subprocessor?.id}`);
      if (sub.certification || sub.waiver) return 'settled';
      await deps.sendCaseMail({ state: record.state, mail });
      return 'sent';
    },
  };
}
