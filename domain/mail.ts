import type { TaskKind } from './statuses';

/** What the workflow asks the mail activity to send. The activity renders it and picks the recipients. */
export type MailKind =
  | 'notice' // a task opened, or its link was resent
  | 'reminder'
  | 'extension'
  | 'rejection' // the district rejected the return; the new return task's notice
  | 'review_request' // to the administrators
  | 'signoff_request' // to legal staff and the administrators: countersign for the district
  | 'escalation' // to the administrators
  | 'cancellation'
  | 'completion'
  | 'referral' // to legal staff and the administrators, with the referral letter
  | 'exception_ends' // to the administrators: an exception of the register ends today
  | 'subprocessor_notice' // to a subprocessor the vendor named (the vendor copied): certify your destruction
  | 'subprocessor_reminder'
  | 'subprocessor_escalation' // to the administrators: a subprocessor's certification is overdue
  | 'written'; // worded by the action that sends it (actions/<name>/handler.ts): `written`

export interface MailSpec {
  /** Stable per message, so a retried send is recognised and not sent twice. */
  id: string;
  kind: MailKind;
  task?: { kind: TaskKind; gen: number; dueAt: number };
  reason?: string;
  resent?: boolean;
  /** For `exception_ends`: which exception. */
  exceptionId?: string;
  /** For the subprocessor messages: which subprocessor, and its link's generation and due time. */
  subprocessor?: { id: string; gen: number; dueAt: number };
  /**
   * For `rejection`: the district chose to list the roster's students missing from that round's returned data; the
   * message attaches their identifiers (never their names), read from the roster store when it is sent.
   */
  missingStudents?: { round: number };
  /** For the administrators' copy of a vendor-facing event. */
  audience?: 'vendor' | 'administrators' | 'everyone';
  /**
   * For `written`: to whom, and the words, which the action that sends it wrote. To the vendor with `task` or to a
   * subprocessor with `subprocessor`, the message ends with that task's link; to the district, with the case's page.
   */
  written?: {
    to: 'vendor' | 'district' | 'subprocessor';
    subject: string;
    heading: string;
    paragraphs: string[];
    button: string;
  };
}

/** How a signatory's code mail words the code; the outbox reader and tests find the code with CODE_IN_MAIL. */
export const codeSentence = (code: string): string => `enter this code where you certify: ${code}`;
export const CODE_IN_MAIL = /code where you certify: (\d{6})/;
