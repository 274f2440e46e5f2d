import { STAFF_ACTIONS, type StaffAction } from '../actions/registry';
// The shapes the API returns and `--json` prints (docs/api.md, "HTTP API"), made from the case record.
import { exceptionsOf, legalHoldSummary, subprocessorsOf, type TimelineEvent } from '../domain/case-state';
import { EXCEPTION_KINDS } from '../domain/case-terms';
import { daysLeft, ENFORCEMENT_LABELS, enforcementRefusal, enforcementStage } from '../domain/enforcement';
import { isoOrNull, readableDay, startOfDay } from '../domain/dates';
import type { CaseState } from '../domain/case-state';
import type { CaseRecord, CaseSummary, StatementRecord } from '../infra/database/case-record-store';
import { legalHoldOn } from '../domain/case-state';
import { lifecycleView } from '../presentation/lifecycle-view';
import { STATUS_LABELS, TASK_TITLES } from '../domain/statuses';

const iso = isoOrNull;

export function caseListItem(summary: CaseSummary) {
  return {
    caseId: summary.caseId,
    vendorName: summary.vendorName,
    contractId: summary.contractId,
    status: summary.status,
    overdue: summary.overdue,
    dueAt: iso(summary.dueAt),
    /** Whole days to the open task's due date (negative once overdue); null with no open task. */
    daysLeft: summary.dueAt !== undefined ? daysLeft(summary.dueAt, Date.now()) : null,
    enforcement: summary.enforcement,
    createdAt: iso(summary.createdAt)!,
  };
}

/**
 * When the case waits for a day to come with no task open (backups rolling off): that day and what it brings.
 * The workflow opens the vendor's confirmation at the start of the roll-off day (UTC).
 */
function waitingUntil(state: CaseState): { at: string; reason: string } | null {
  const rollOff = state.certification?.destruction.backups.rollOffDate;
  if (state.status !== 'awaiting_backup_rolloff' || !rollOff) return null;
  return {
    at: new Date(startOfDay(rollOff)).toISOString(),
    reason: `the vendor certified that its backups holding the district's data roll off on ${readableDay(rollOff)}; that day it is asked, with a new link, to confirm they have`,
  };
}

export function caseDetails(record: CaseRecord) {
  const { state } = record;
  const accepted = [...record.returnPackages].reverse().find((round) => round.zipSha256);
  const stage = enforcementStage(state);
  return {
    caseId: record.caseId,
    status: record.status,
    statusLabel: STATUS_LABELS[record.status],
    lifecycle: lifecycleView(state),
    vendorName: record.vendorName,
    contractId: record.contractId,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    input: state.input,
    openTask: record.openTask
      ? {
          kind: record.openTask.kind,
          title: TASK_TITLES[record.openTask.kind],
          dueAt: iso(record.openTask.dueAt),
          overdue: record.overdue,
          daysLeft: daysLeft(record.openTask.dueAt, Date.now()),
        }
      : null,
    waitingUntil: record.openTask ? null : waitingUntil(state),
    /**
     * The roster the district attached, and how many of its students appear in the latest packaged return (null
     * until a return is packaged against it); the missing students themselves: GET /api/cases/{caseId}/roster/missing.
     */
    roster: state.roster
      ? {
          format: state.roster.format,
          students: state.roster.students,
          skipped: state.roster.skipped,
          attachedBy: state.roster.by,
          attachedAt: iso(state.roster.at),
          returned: accepted?.roster?.returned ?? null,
          missing: accepted?.roster?.missing ?? null,
        }
      : null,
    /** The case's own limit on staged returned files, when an administrator set one (else CASE_STORAGE_LIMIT holds). */
    storageLimit: state.storageLimit ? { ...state.storageLimit, at: iso(state.storageLimit.at) } : null,
    exceptions: exceptionsOf(state).map((e) => ({ ...e, kindLabel: EXCEPTION_KINDS[e.kind], addedAt: iso(e.addedAt) })),
    /** The vendor's subprocessors, each certifying through its own link, or waived by the district. */
    subprocessors: subprocessorsOf(state).map((s) => {
      const settled = !!(s.certification || s.waiver);
      return {
        id: s.id,
        name: s.name,
        contactEmail: s.contactEmail,
        contactName: s.contactName ?? null,
        status: s.certification
          ? ('certified' as const)
          : s.waiver
            ? ('waived' as const)
            : s.overdue
              ? ('overdue' as const)
              : ('asked' as const),
        dueAt: iso(s.dueAt),
        daysLeft: settled ? null : daysLeft(s.dueAt, Date.now()),
        noticeSent: s.noticeSent,
        reminders: s.reminders,
        certification: s.certification ? { ...s.certification, at: iso(s.certification.at) } : null,
        waiver: s.waiver ? { ...s.waiver, at: iso(s.waiver.at) } : null,
      };
    }),
    enforcement: {
      stage,
      label: ENFORCEMENT_LABELS[stage],
      steps: (state.enforcement ?? []).map((s) => ({ stage: s.stage, note: s.note, by: s.by, at: iso(s.at) })),
      /** What an administrator may do next, if anything. */
      next:
        (['not_cooperating', 'referred_to_legal'] as const).find((step) => !enforcementRefusal(state, step)) ?? null,
    },
    tasks: state.tasks.map((task) => ({
      kind: task.kind,
      title: TASK_TITLES[task.kind],
      gen: task.gen,
      openedAt: iso(task.openedAt),
      dueAt: iso(task.dueAt),
      overdue: task.overdue,
      reminders: task.reminders,
      closedAt: iso(task.closedAt),
      outcome: task.outcome ?? null,
    })),
    timeline: timelineWithHolds(record).map((event) => ({
      at: iso(event.at),
      type: event.type,
      actor: event.actor,
      summary: event.summary,
    })),
    ...(state.acknowledgement
      ? { acknowledgement: { ...state.acknowledgement, at: iso(state.acknowledgement.at) } }
      : {}),
    ...(accepted
      ? {
          returnPackage: {
            round: accepted.round,
            files: accepted.files,
            bytes: accepted.bytes,
            zipBytes: accepted.zipBytes ?? null,
            zipSha256: accepted.zipSha256 ?? null,
            categories: accepted.categories,
            shortfalls: accepted.shortfalls,
            decision: accepted.decision ? { ...accepted.decision, at: iso(accepted.decision.at) } : null,
          },
          returnRounds: record.returnPackages.map((round) => ({
            round: round.round,
            files: round.files,
            zipSha256: round.zipSha256 ?? null,
            decision: round.decision?.decision ?? null,
            reason: round.decision?.reason ?? null,
          })),
        }
      : {}),
    ...(state.certification ? { certification: { ...state.certification, at: iso(state.certification.at) } } : {}),
    ...(state.signoff ? { signoff: { ...state.signoff, at: iso(state.signoff.at) } } : {}),
    ...(state.backupRolloff ? { backupRolloff: { ...state.backupRolloff, at: iso(state.backupRolloff.at) } } : {}),
    ...(state.statement ? { statement: { ...state.statement, issuedAt: iso(state.statement.issuedAt) } } : {}),
    ...(state.cancellation ? { cancellation: { ...state.cancellation, at: iso(state.cancellation.at) } } : {}),
    legalHold: { on: legalHoldOn(state), history: state.legalHold.map((hold) => ({ ...hold, at: iso(hold.at) })) },
    // What each action adds of its own (its folder's `details`: the requests for more time, say).
    ...(Object.assign(
      {},
      ...(Object.values(STAFF_ACTIONS) as StaffAction[]).map((action) => action.details?.(state)),
    ) as Record<string, unknown>),
  };
}

export function statementView(statement: StatementRecord) {
  return {
    statementId: statement.statementId,
    issuedAt: iso(statement.issuedAt),
    vendorName: statement.vendorName,
    contractId: statement.contractId,
    sha256: statement.sha256,
  };
}

/** The lifecycle stepper's steps, dates as ISO strings. */
/**
 * The case's timeline with its legal holds in their place: the record owns the hold (CaseRecordStore.setLegalHold)
 * and the workflow's timeline never hears of it; holds an earlier version wrote into the timeline are there once.
 */
function timelineWithHolds(record: CaseRecord): TimelineEvent[] {
  const type = (on: boolean) => (on ? 'legal_hold_set' : 'legal_hold_released');
  const told = new Set(record.timeline.filter((e) => e.type.startsWith('legal_hold_')).map((e) => `${e.type}|${e.at}`));
  const holds = record.state.legalHold
    .filter((h) => !told.has(`${type(h.on)}|${h.at}`))
    .map((h, i) => ({
      seq: -1 - i,
      at: h.at,
      type: type(h.on),
      actor: h.by,
      summary: legalHoldSummary(h.on, h.reason),
    }));
  return holds.length ? [...record.timeline, ...holds].sort((a, b) => a.at - b.at) : record.timeline;
}
