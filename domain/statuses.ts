// The lifecycle's vocabulary. The query, the record and the API return these strings verbatim.

export const CASE_STATUSES = [
  'awaiting_acknowledgement',
  'awaiting_return',
  'packaging',
  'awaiting_review',
  'awaiting_certification',
  'awaiting_backup_rolloff',
  'awaiting_subprocessors',
  'awaiting_signoff',
  'generating_statement',
  'completed',
  'cancelled',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const TERMINAL_STATUSES: readonly CaseStatus[] = ['completed', 'cancelled'];
export const isTerminal = (status: CaseStatus): boolean => TERMINAL_STATUSES.includes(status);

export const TASK_KINDS = [
  'acknowledge',
  'return',
  'review',
  'certify',
  'confirm_backup_rolloff',
  'countersign',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Tasks done by the vendor through an emailed link; `review` and `countersign` are the district's. */
export const VENDOR_TASKS = ['acknowledge', 'return', 'certify', 'confirm_backup_rolloff'] as const;
export type VendorTaskKind = (typeof VENDOR_TASKS)[number];
export const isVendorTask = (task: TaskKind): task is VendorTaskKind =>
  (VENDOR_TASKS as readonly string[]).includes(task);

/**
 * What an emailed link opens: a vendor task of the case, or a subprocessor's certification (its link names the
 * subprocessor too). Subprocessors certify alongside the case's own tasks, not as one of them.
 */
export const LINK_TASKS = [...VENDOR_TASKS, 'subprocessor_certify'] as const;
export type LinkTaskKind = (typeof LINK_TASKS)[number];
export const linkTaskTitle = (task: LinkTaskKind): string =>
  task === 'subprocessor_certify' ? "Certify a subprocessor's destruction" : TASK_TITLES[task];

/** The status a case is in while each task is open. */
export const STATUS_OF_TASK: Record<TaskKind, CaseStatus> = {
  acknowledge: 'awaiting_acknowledgement',
  return: 'awaiting_return',
  review: 'awaiting_review',
  certify: 'awaiting_certification',
  confirm_backup_rolloff: 'awaiting_backup_rolloff',
  countersign: 'awaiting_signoff',
};

export const TASK_TITLES: Record<TaskKind, string> = {
  acknowledge: 'Acknowledge the termination notice',
  return: 'Return all student data',
  review: 'Review the returned data',
  certify: 'Certify destruction and removal of tracking mechanisms',
  confirm_backup_rolloff: 'Confirm that backups have rolled off',
  countersign: 'Countersign for the district',
};

/** District staff roles: administrators run cases; legal staff read them, hold them and keep the statements. */
export const ROLES = ['admin', 'legal'] as const;
export type Role = (typeof ROLES)[number];

/** What a status means, for the pages (the API and the CLI's --json keep the values above). */
export const STATUS_LABELS: Record<CaseStatus, string> = {
  awaiting_acknowledgement: 'Waiting for the vendor to acknowledge',
  awaiting_return: 'Waiting for the returned data',
  packaging: 'Packaging the returned data',
  awaiting_review: "Waiting for the district's review",
  awaiting_certification: "Waiting for the vendor's certification",
  awaiting_backup_rolloff: 'Waiting for backups to roll off',
  awaiting_subprocessors: "Waiting for subprocessors' certifications",
  awaiting_signoff: "Waiting for legal's countersignature",
  generating_statement: 'Issuing the statement',
  completed: 'Completed',
  cancelled: 'Cancelled',
};
