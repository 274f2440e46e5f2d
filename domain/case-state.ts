import type { CaseInput } from './case-input';
import type { BackupRolloff, Certification } from './certification';
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
  decision?: { decision: 'accept' | 'reject'; reason?: string; by: string; at: number };
}

export interface StatementInfo {
  statementId: string;
  issuedAt: number;
  sha256: string;
  signature: string;
  keyId: string;
  bytes: number;
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
export function exceptionsOf(state: Pick<CaseState, 'input' | 'exceptions' | 'createdBy' | 'createdAt'>): CaseException[] {
  const atStart = (state.input.exceptions ?? []).map((e, i) => ({ id: `x${i + 1}`, kind: e.kind, scope: e.scope, reason: e.reason, ...(e.endsOn ? { endsOn: e.endsOn } : {}), addedBy: state.createdBy, addedAt: state.createdAt }));
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
  certification?: Certification & { at: number };
  backupRolloff?: BackupRolloff & { at: number };
  statement?: StatementInfo;
  legalHold: LegalHold[];
  /** Exceptions recorded after the start (those at the start are in `input.exceptions`): see `exceptionsOf`. */
  exceptions?: CaseException[];
  /** What people did about a vendor that went quiet, in order (domain/enforcement.ts). */
  enforcement?: EnforcementStep[];
  cancellation?: { reason: string; by: string; at: number; fromStatus: CaseStatus };
  /** The accepted return package is kept until `destroyAt` (RETENTION), unless a legal hold is on. */
  retention?: { packageId: string; destroyAt: number; destroyedAt?: number };
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

export const legalHoldOn = (state: Pick<CaseState, 'legalHold'>): boolean =>
  state.legalHold.at(-1)?.on ?? false;

export const legalHoldMessage = (on: boolean): string =>
  on ? 'Legal hold set: the case\'s data is kept until it is released.' : 'Legal hold released.';
