// The case record: what users need now and years from now, kept apart from Temporal's history
// (which the namespace's retention deletes). SQLite on one machine, PostgreSQL on several (sql-case-record-store.ts).
import type { CaseState, LegalHold, ReturnPackageSummary, TimelineEvent } from '../../domain/case-state';
import type { CaseStatus, TaskKind } from '../../domain/statuses';
import type { CaseRecordChange, RecordedState } from '../../domain/record-change';
import type { EnforcementStage } from '../../domain/enforcement';

export interface CaseSummary {
  caseId: string;
  vendorName: string;
  contractId: string;
  status: CaseStatus;
  openTask?: { kind: TaskKind; gen: number; dueAt: number };
  overdue: boolean;
  dueAt?: number;
  createdAt: number;
  updatedAt: number;
  /** Where a quiet vendor's case stands (domain/enforcement.ts). */
  enforcement: EnforcementStage;
}

export interface CaseRecord extends CaseSummary {
  state: CaseState;
  timeline: TimelineEvent[];
  returnPackages: ReturnPackageSummary[];
}

/** A destruction decided (claimDestruction): what, and when. */
export interface DestructionDecided {
  what: string;
  at: number;
}

export interface StatementRecord {
  statementId: string;
  caseId: string;
  issuedAt: number;
  vendorName: string;
  contractId: string;
  sha256: string;
  signature: string;
  keyId: string;
  bytes: number;
  /** SHA-256 fingerprint of the certificate that signed inside the PDF (absent for statements issued before). */
  certificate?: string;
}

export interface CaseFilter {
  status?: CaseStatus;
  vendor?: string;
  overdue?: boolean;
  enforcement?: EnforcementStage;
}

import type { CaseSort } from '../../domain/api';
export type { CaseSort } from '../../domain/api';

export interface CasePageRequest {
  limit: number;
  sort: CaseSort;
  /** From the previous page's `nextCursor`. */
  cursor?: string;
}

export interface CasePage {
  cases: CaseSummary[];
  /** Present when more cases follow. */
  nextCursor?: string;
}

/** A cursor this list did not give (altered, or from another sort order). */
export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

/** A message sent (or tried) for a case: the correspondence file's entry. */
export interface CaseMessage {
  messageId: string;
  caseId: string;
  kind: string;
  audience: 'vendor' | 'district' | 'subprocessor';
  recipients: string[];
  subject: string;
  /** The last attempt. */
  attemptedAt: number;
  attempts: number;
  outcome: 'sent' | 'failed';
  /** The server's answer, or why it failed. */
  detail: string;
  /** The message's bytes as sent; absent while it has not gone out. */
  eml?: Buffer;
}

/** The dashboard's numbers, each from one query over the record. */
export interface CaseDashboard {
  byStatus: Record<CaseStatus, number>;
  overdue: number;
  /** Open tasks due from now to seven days ahead. */
  dueThisWeek: number;
  /** Completed since the first of this month (UTC). */
  completedThisMonth: number;
  /** The last twelve months (UTC), oldest first: cases started and cases closed (completed or cancelled). */
  months: { month: string; opened: number; closed: number }[];
}

export interface CaseRecordStore {
  /** Writes the case as of `state.version`; a write older than the stored one is ignored. */
  saveCase(state: CaseState): Promise<void>;
  /**
   * Applies a change (domain/record-change.ts): `written` with the state it made, `stale` when the record already
   * holds a newer version, `behind` when the record lacks the version the change builds on (the
   * writer then sends the whole state).
   */
  saveCaseChange(
    change: CaseRecordChange,
  ): Promise<{ outcome: 'written'; state: RecordedState } | { outcome: 'stale' | 'behind' }>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  listCases(filter?: CaseFilter): Promise<CaseSummary[]>;
  /** One page of the list, by keyset: as fast for the 10,000th case as for the first. */
  pageCases(filter: CaseFilter, page: CasePageRequest): Promise<CasePage>;
  getStatement(statementId: string): Promise<StatementRecord | undefined>;
  dashboard(now: number): Promise<CaseDashboard>;
  /** Notes an attempt to send a message: the last outcome wins, and the bytes of the one that went out stay. */
  recordMessage(message: Omit<CaseMessage, 'attempts'>): Promise<void>;
  /** The case's correspondence, oldest first. */
  listMessages(caseId: string): Promise<CaseMessage[]>;
  findStatementBySha256(sha256: string): Promise<StatementRecord | undefined>;
  /**
   * Sets or releases the case's legal hold: the one place a hold is written, in one transaction with the check
   * that it changes something. Answers the history after it and the destructions decided before it (a hold set
   * while one runs does not stop it, and the answer says so); `repeated` for the last hold again (same switch,
   * reason and person: a retried request); or the refusal (already on, already off).
   */
  setLegalHold(
    caseId: string,
    hold: LegalHold,
  ): Promise<
    { history: LegalHold[]; destructionsBegun: DestructionDecided[] } | { repeated: true } | { refused: string }
  >;
  /** The case's legal holds, oldest first (cases held before the hold had a table of its own: from their state). */
  legalHolds(caseId: string): Promise<LegalHold[]>;
  /**
   * Every destroying activity asks this first: in one transaction with the hold's own lock, either the hold is on
   * (`held`, nothing to destroy) or the destruction of `what` is decided and recorded (`claimed`), after which a
   * hold can no longer come between the check and the deletion.
   */
  claimDestruction(
    caseId: string,
    what: string,
    at?: number,
  ): Promise<{ held: LegalHold } | { claimed: DestructionDecided }>;
  /** Mail by stable Message-ID: true when it was already sent. */
  mailSent(messageId: string): Promise<boolean>;
  recordMailSent(messageId: string, caseId: string, kind: string): Promise<void>;
}
