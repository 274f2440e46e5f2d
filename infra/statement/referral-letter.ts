// The referral letter: when an administrator refers a case to legal counsel (domain/enforcement.ts), legal
// staff receive the case's history to date as a PDF: the parties and the agreement, where the case stands and
// how overdue it is, every reminder and escalation, the steps people took with their notes, and the timeline.
// Drawn by the statement's renderer (names in any script), never signed: it is a letter, not a statement.
import type { CaseState } from '../../domain/case-state';
import { openTaskOf } from '../../domain/case-state';
import { daysLeftInWords, ENFORCEMENT_LABELS, enforcementStage, referralOf } from '../../domain/enforcement';
import { STATUS_LABELS, TASK_TITLES } from '../../domain/statuses';
import type { StatementContent } from './statement-pdf';

const at = (t: number): string =>
  new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

export function referralLetterContent(
  state: CaseState,
  config: { districtName: string; publicUrl: string },
  now: number,
): StatementContent {
  const { input } = state;
  const open = openTaskOf(state);
  const referral = referralOf(state);
  return {
    title: 'Referral to Legal Counsel: Vendor Not Cooperating',
    statementId: `referral-${state.caseId}`,
    issuedAt: new Date(referral?.at ?? now),
    subject: `${input.vendor.name} · contract ${input.contract.id}`,
    idLine: `Case ${state.caseId} · referred ${at(referral?.at ?? now)}${referral ? ` by ${referral.by}` : ''}`,
    sections: [
      {
        heading: 'Parties and contract',
        rows: [
          ['District', config.districtName],
          ['Vendor', input.vendor.name],
          [
            'Vendor contact',
            `${state.acknowledgement?.contactName ?? input.vendor.contactName ?? ''} <${state.acknowledgement?.contactEmail ?? input.vendor.contactEmail}>`.trim(),
          ],
          ['Service', `${input.service.name}${input.service.url ? ` (${input.service.url})` : ''}`],
          [
            'Contract',
            `${input.contract.id}${input.contract.title ? ` — ${input.contract.title}` : ''}${input.contract.agreement ? ` (${input.contract.agreement.toUpperCase()})` : ''}`,
          ],
          ...(input.contract.clause ? [['Agreement clause', input.contract.clause] as [string, string]] : []),
          ['Termination date', input.contract.terminationDate],
          ['Case', `${state.caseId} (${config.publicUrl}/cases/${state.caseId})`],
        ],
      },
      {
        heading: 'Where the case stands',
        rows: [
          ['Status', STATUS_LABELS[state.status]],
          ['Stage', ENFORCEMENT_LABELS[enforcementStage(state)]],
          ...(open
            ? [
                ['Open task', TASK_TITLES[open.kind]] as [string, string],
                ['Due', `${at(open.dueAt)} (${daysLeftInWords(open.dueAt, now)})`] as [string, string],
                ['Reminders sent', String(open.reminders)] as [string, string],
              ]
            : []),
        ],
        paragraphs: [
          `Policy 7400.1 requires the vendor to return the district's student data at its option, to state in writing that every known copy is destroyed, and to remove its tracking mechanisms. ${input.vendor.name} has not done what the open task asks by its due date despite the reminders and the escalation listed below.`,
        ],
      },
      {
        heading: 'Steps the district took',
        table: {
          columns: ['When', 'Step', 'By', 'Note'],
          widths: [95, 95, 80, 230],
          rows: (state.enforcement ?? []).map((s) => [at(s.at), ENFORCEMENT_LABELS[s.stage], s.by, s.note]),
        },
      },
      {
        heading: 'History of the case',
        table: {
          columns: ['When', 'Who', 'What'],
          widths: [95, 80, 325],
          rows: state.timeline.map((e) => [at(e.at), e.actor, e.summary]),
        },
      },
    ],
    footer: `${config.districtName} · referral of case ${state.caseId} · prepared ${at(now)} · not a statement of destruction`,
  };
}
