import type { CaseInput } from './case-input';
import type { BackupRolloff, Certification, SignatoryCheck, SubprocessorCertification } from './certification';
import type { CaseStatus, TaskKind } from './statuses';
import type { ExceptionKind } from './case-terms';

/** One opening of a task. `gen` is the link generation: it rises when the task reopens or a link is resent. */
export interface TaskState {
  kind: TaskKind;
  gen: number;
  openedAt: number;
  dueAt: number;
  /** When the last notice or reminder went out; reminders follow on the case's cadence. */
  lastNoticeAt?: number;
  noticeSent: boolean;
  reminders: number;
  overdue: boolean;
  /** Set when the task closes. */
  closedAt?: number;
  outcome?: 'done' | 'cancelled' | 'superseded';
}

export interface TimelineEvent {
  seq: number;
  at: number;
  type: string;
  actor: string;
  summary: string;
  detail?: Record<string, unknown>;
}

export interface StagedFileRef {
  fileId: string;
  category: string;
  name: string;
  bytes: number;
  sha256: string;
  records?: number;
}

export interface CategoryCount {
  key: string;
  label: string;
  files: number;
  bytes: number;
  expectedRecords?: number;
  returnedRecords: number;
}

/** How much of the roster a return covers: counts only (the missing students are the roster store's). */
export type RosterFormat = 'oneroster-1.1' | 'oneroster-1.2' | 'student-id';

export interface RosterCoverage {
  students: number;
  returned: number;
  missing: number;
}

export interface ReturnPackageSummary {
  round: number;
  submittedAt: number;
  note?: string;
  packageId?: string;
  files: number;
  bytes: number;
  zipBytes?: number;
  zipSha256?: string;
  categories: CategoryCount[];
  /** Requested categories with no file, and categories whose records fall short of the expected count. */
  shortfalls: string[];
  /** The roster's students and how many of them appear in this round's returned data (docs/architecture.md). */
  roster?: RosterCoverage;
  decision?: { decision: 'accept' | 'reject'; reason?: string; by: string; at: number };
}

export interface StatementInfo {
  statementId: string;
  issuedAt: number;
  sha256: string;
  signature: string;
  keyId: string;
  bytes: number;
  /** The SHA-256 fingerprint of the certificate that signed inside the PDF (statements issued before: none). */
  certificate?: string;
}

/** Data the vendor may keep past the case, and why (the exceptions register). */
export interface CaseException {
  id: string;
  kind: ExceptionKind;
  scope: string;
  reason: string;
  endsOn?: string;
  addedBy: string;
  addedAt: number;
}

/** Every exception of the case: those it was started with, then those recorded since. */
export function exceptionsOf(
  state: Pick<CaseState, 'input' | 'exceptions' | 'createdBy' | 'createdAt'>,
): CaseException[] {
  const atStart = (state.input.exceptions ?? []).map((e, i) => ({
    id: `x${i + 1}`,
    kind: e.kind,
    scope: e.scope,
    reason: e.reason,
    ...(e.endsOn ? { endsOn: e.endsOn } : {}),
    addedBy: state.createdBy,
    addedAt: state.createdAt,
  }));
  return [...atStart, ...(state.exceptions ?? [])];
}

/** A step an administrator takes past the reminders and the escalation: the vendor marked as not cooperating, then
 *  the case referred to legal counsel. */
export interface EnforcementStep {
  stage: 'not_cooperating' | 'referred_to_legal';
  note: string;
  by: string;
  at: number;
}

/**
 * A subprocessor the vendor named in its certification: asked, through its own link, to certify the destruction
 * of what it held (a child workflow sends the notice, the reminders and the escalation). Settled by its
 * certification, or by the district waiving it with a reason.
 */
export interface SubprocessorState {
  /** `s1`, `s2`, … in the order the vendor named them. */
  id: string;
  name: string;
  contactEmail: string;
  contactName?: string;
  /** The link generation, as a task's. */
  gen: number;
  openedAt: number;
  dueAt: number;
  noticeSent: boolean;
  lastNoticeAt?: number;
  reminders: number;
  overdue: boolean;
  certification?: SubprocessorCertification & { at: number; signatoryCheck?: SignatoryCheck };
  waiver?: { reason: string; by: string; at: number };
}

export const subprocessorsOf = (state: Pick<CaseState, 'subprocessors'>): SubprocessorState[] =>
  state.subprocessors ?? [];
export const pendingSubprocessors = (state: Pick<CaseState, 'subprocessors'>): SubprocessorState[] =>
  subprocessorsOf(state).filter((s) => !s.certification && !s.waiver);

/**
 * When the case's next step is due, and whether it is late: its open task's, else (while the vendor's
 * subprocessors certify) the earliest of theirs still open.
 */
export function caseDue(
  state: Pick<CaseState, 'tasks' | 'subprocessors'>,
): { dueAt: number; overdue: boolean } | undefined {
  const open = openTaskOf(state);
  if (open) return { dueAt: open.dueAt, overdue: open.overdue };
  const pending = pendingSubprocessors(state);
  if (pending.length === 0) return undefined;
  return { dueAt: Math.min(...pending.map((s) => s.dueAt)), overdue: pending.some((s) => s.overdue) };
}

export interface LegalHold {
  on: boolean;
  reason: string;
  by: string;
  at: number;
}

export interface Acknowledgement {
  contactName: string;
  contactEmail: string;
  contactTitle?: string;
  at: number;
}

export interface CaseState {
  caseId: string;
  input: CaseInput;
  status: CaseStatus;
  createdAt: number;
  updatedAt: number;
  /** Rises with every transition; the record ignores a write older than what it holds. */
  version: number;
  createdBy: string;
  tasks: TaskState[];
  acknowledgement?: Acknowledgement;
  /** The files the vendor submitted in the current return round. */
  submittedFiles?: StagedFileRef[];
  returnRounds: ReturnPackageSummary[];
  /** With `signatoryCheck` when the signatory's address was verified by a one-time code (certifications since). */
  certification?: Certification & { at: number; signatoryCheck?: SignatoryCheck };
  /** Legal's countersignature, when the case asks for one (`input.legalSignoff`): the statement names it. */
  signoff?: { by: string; at: number; note?: string };
  /** The subprocessors the certification named, each certifying on its own (or waived by the district). */
  subprocessors?: SubprocessorState[];
  backupRolloff?: BackupRolloff & { at: number };
  statement?: StatementInfo;
  legalHold: LegalHold[];
  /** Exceptions recorded after the start (those at the start are in `input.exceptions`): see `exceptionsOf`. */
  exceptions?: CaseException[];
  /** What people did about a vendor that went quiet, in order (domain/enforcement.ts). */
  enforcement?: EnforcementStep[];
  /** The most returned files the case may hold staged, in bytes, when the district set it (else CASE_STORAGE_LIMIT). */
  storageLimit?: { bytes: number; reason: string; by: string; at: number };
  /** The roster the district attached (its students are the roster store's; here only how many, and who attached it). */
  roster?: { format: RosterFormat; students: number; skipped: number; by: string; at: number };
  cancellation?: { reason: string; by: string; at: number; fromStatus: CaseStatus };
  /** The accepted return package is kept until `destroyAt` (RETENTION), unless a legal hold is on. */
  retention?: { packageId: string; destroyAt: number; destroyedAt?: number };
  /** Disposals a legal hold kept (the record said held when they were due): done once it is released. */
  heldDisposals?: (
    { id: string; kind: 'dispose_staged' } | { id: string; kind: 'dispose_package'; packageId: string }
  )[];
  timeline: TimelineEvent[];
  /** Results of vendor and review actions by update id, so a repeat answers with the first result. */
  settledUpdates: Record<string, ActionResult>;
}

export interface ActionResult {
  caseId: string;
  status: CaseStatus;
  message: string;
  /** True when this answer repeats an action that was already done. */
  alreadyDone?: boolean;
}

export const openTaskOf = (state: Pick<CaseState, 'tasks'>): TaskState | undefined =>
  state.tasks.find((task) => task.closedAt === undefined);

export const latestTask = (state: Pick<CaseState, 'tasks'>, kind: TaskKind): TaskState | undefined =>
  [...state.tasks].reverse().find((task) => task.kind === kind);

export const legalHoldOn = (state: Pick<CaseState, 'legalHold'>): boolean => state.legalHold.at(-1)?.on ?? false;

/** The timeline's line for a hold set or released. */
export const legalHoldSummary = (on: boolean, reason: string): string =>
  `Legal hold ${on ? 'set' : 'released'}: ${reason}`;

export const legalHoldMessage = (on: boolean): string =>
  on ? "Legal hold set: the case's data is kept until it is released." : 'Legal hold released.';

/** What the vendor is told once its certification is in: what comes next (backups, subprocessors, the statement). */
export function certificationReceived(state: Pick<CaseState, 'certification' | 'subprocessors'>): string {
  const backups = state.certification?.destruction.backups;
  const subs = subprocessorsOf(state).length;
  const then = subs
    ? ` We have written to your ${subs === 1 ? 'subprocessor' : `${subs} subprocessors`}, with you copied; the statement is issued once each has certified its own destruction.`
    : '';
  return backups && !backups.destroyed && backups.rollOffDate
    ? `Certification received. We will ask you to confirm on ${backups.rollOffDate} that backups have rolled off.${then}`
    : `Certification received.${then || ' The final statement will be emailed to you.'}`;
}
