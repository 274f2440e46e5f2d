// The exceptions register: data the vendor may keep past the case ends on a date. One durable timer per
// exception with an end date, outliving the case: on that day the administrators are told, so they ask the
// vendor to destroy what the exception covered.
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { startOfDay } from '../domain/dates';

const { remindExceptionEnds } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const exceptionReminderId = (caseId: string, exceptionId: string): string =>
  `exception-${caseId}-${exceptionId}`;

export async function exceptionReminder({
  caseId,
  exceptionId,
  endsOn,
}: {
  caseId: string;
  exceptionId: string;
  endsOn: string;
}): Promise<void> {
  await wf.sleep(Math.max(startOfDay(endsOn) - Date.now(), 1));
  await remindExceptionEnds({ caseId, exceptionId });
}
