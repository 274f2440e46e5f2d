// A subprocessor the vendor named in its certification, followed up as a child of the case (Temporal's UI
// shows it under the case): its notice with its own link, reminders on the case's cadence, and the escalation
// to the administrators once it is overdue. The case workflow keeps the record and takes the certification or
// the waiver; this one tells it what it sent, and ends when the case says the subprocessor is settled (or the
// record shows the case closed). Abandoned by its parent, so a case that continues as new keeps its children.
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { MailSpec } from '../domain/mail';

const { sendSubprocessorMail } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface SubprocessorNews {
  subprocessorId: string;
  event: 'notice_sent' | 'reminder_sent' | 'overdue';
  at: number;
}
/** From the follow-up to its case: what it sent, so the record and the timeline show it. */
export const subprocessorNews = wf.defineSignal<[SubprocessorNews]>('subprocessorNews');
/**
 * From the case to the follow-up: the subprocessor certified or was waived, or the case closed. It carries a
 * payload that says nothing more: every message is sealed, and one with none is refused (sealed-messages.ts).
 */
export const subprocessorSettled = wf.defineSignal<[{ settled: true }]>('subprocessorSettled');
/** From the case to the follow-up: a new link generation (to a corrected address): send its notice. */
export const subprocessorRelinked = wf.defineSignal<[{ gen: number }]>('subprocessorRelinked');

/** The district moved the subprocessor's due time (a granted request): escalation waits for the new one. */
export const subprocessorDueMoved = wf.defineSignal<[{ dueAt: number }]>('subprocessorDueMoved');

export const subprocessorFollowUpId = (caseId: string, subprocessorId: string): string =>
  `subprocessor-${caseId}-${subprocessorId}`;

export interface SubprocessorFollowUpParams {
  caseId: string;
  caseWorkflowId: string;
  subprocessorId: string;
  gen: number;
  dueAt: number;
  reminderEveryMs: number;
}

export async function subprocessorFollowUp(params: SubprocessorFollowUpParams): Promise<void> {
  let settled = false;
  let { gen } = params;
  let relinked = false;
  let { dueAt } = params;
  let moved = false;
  wf.setHandler(subprocessorDueMoved, (due) => {
    dueAt = due.dueAt;
    moved = true;
  });
  wf.setHandler(subprocessorSettled, () => {
    settled = true;
  });
  wf.setHandler(subprocessorRelinked, (link) => {
    if (link.gen > gen) {
      gen = link.gen;
      relinked = true;
    }
  });
  const { caseId, subprocessorId: id } = params;
  const theCase = wf.getExternalWorkflowHandle(params.caseWorkflowId);
  /** Sends one message; false when nothing more is to be sent (settled meanwhile, or the case closed). */
  const send = async (mail: Omit<MailSpec, 'subprocessor'>, event: SubprocessorNews['event']): Promise<boolean> => {
    const outcome = await sendSubprocessorMail({ caseId, mail: { ...mail, subprocessor: { id, gen, dueAt } } });
    if (outcome !== 'sent') return false;
    await theCase.signal(subprocessorNews, { subprocessorId: id, event, at: Date.now() });
    return true;
  };

  if (!(await send({ id: `subprocessor-notice-${id}-${gen}`, kind: 'subprocessor_notice' }, 'notice_sent'))) return;
  let lastNoticeAt = Date.now();
  let reminders = 0;
  let overdue = false;
  while (!settled) {
    const remindAt = lastNoticeAt + params.reminderEveryMs;
    const wakeAt = Math.min(remindAt, overdue ? Infinity : dueAt);
    if (await wf.condition(() => settled || relinked || moved, Math.max(wakeAt - Date.now(), 1))) {
      if (settled) break;
      if (moved && !relinked) {
        // A later due time: overdue no more, and the escalation waits for it.
        moved = false;
        overdue = false;
        continue;
      }
      moved = false;
      // A new link: its notice, and the reminders count again from it.
      relinked = false;
      if (
        !(await send(
          { id: `subprocessor-notice-${id}-${gen}`, kind: 'subprocessor_notice', resent: true },
          'notice_sent',
        ))
      )
        break;
      lastNoticeAt = Date.now();
      continue;
    }
    const now = Date.now();
    if (!overdue && now >= dueAt) {
      overdue = true;
      if (!(await send({ id: `subprocessor-escalation-${id}-${gen}`, kind: 'subprocessor_escalation' }, 'overdue')))
        break;
    }
    if (now >= remindAt) {
      reminders += 1;
      lastNoticeAt = now;
      if (
        !(await send(
          { id: `subprocessor-reminder-${id}-${gen}-${reminders}`, kind: 'subprocessor_reminder' },
          'reminder_sent',
        ))
      )
        break;
    }
  }
}
