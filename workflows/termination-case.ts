// The termination case: policy 7400.1 Section III in order, as one durable workflow.
//   notice (acknowledge) -> III.A return of all student data -> district review (reject loops back)
//   -> III.C statement of destruction + IV.A removal of tracking mechanisms -> backups rolling off
//   -> the PDF statement.
// Handlers change the state synchronously and write the case record before they answer; the main loop
// owns the slow work (mail, packaging, the statement) and the timers (reminders, escalation).
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { CaseException, CaseState } from '../domain/case-state';
import {
  caseDue,
  exceptionsOf,
  legalHoldOn,
  openTaskOf,
  pendingSubprocessors,
  subprocessorsOf,
} from '../domain/case-state';
import {
  subprocessorDueMoved,
  subprocessorFollowUp,
  subprocessorFollowUpId,
  subprocessorRelinked,
  subprocessorSettled,
} from './subprocessor-follow-up';
import { exceptionReminder, exceptionReminderId } from './exception-reminder';
import { countByCategory, reminderEveryMs } from '../domain/lifecycle';
import { isTerminal, TASK_TITLES } from '../domain/statuses';
import { startOfDay } from '../domain/dates';
import { addEvent, newCaseState, openTask, type Chore } from '../domain/case-state-changes';
import { RecordChanges } from '../domain/record-change';
import { registerCaseMessages } from './register-actions';
import { legalHoldChanged } from './messages';
import { rosterCoverageSentence, rosterShortfall } from '../domain/roster-coverage';
import { RequestTrace } from './request-trace';
import { legalHoldForwarded, packageRetention, retentionWorkflowId } from './package-retention';
import { CaseStatusKey, ContractIdKey, DueAtKey, OverdueKey, VendorNameKey } from '../domain/search-attributes';

const retry: wf.RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };

// A record write takes milliseconds; a short timeout lets another worker redo one whose worker died, so an action
// waiting on it (every handler writes before it answers) is answered in seconds, not after half a minute.
const { recordCase, recordCaseChange } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '10 seconds',
  retry,
});
// Since RECORD_WRITES_HERE, the same write as a local activity: the worker that runs the workflow task writes the
// record within it (a marker in the history), without a round trip through the Temporal server and another
// workflow task (bench/README.md). A worker that dies meanwhile takes the workflow task with it, and the next
// worker writes again (a write of a version already held is `stale`).
const { recordCaseChange: recordCaseChangeHere } = wf.proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '10 seconds',
  retry,
});
// Unlimited attempts: a mail server that is down for hours still gets every notice, once.
const { sendCaseMail } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '2 minutes', retry });
// Heartbeats let a new worker take over promptly when the one packaging dies.
const { buildReturnPackage } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '10 seconds',
  retry: { ...retry, nonRetryableErrorTypes: ['StagedFileUnreadable'] },
});
// No heartbeats on these: a statement renders in well under a second and a disposal deletes in batches, so a
// short timeout is what lets another worker take over soon when the one running them dies (a 10-minute one held
// a case in generating_statement for 10 minutes after a worker was killed: npm run test:scale).
const { generateStatement } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '2 minutes', retry });
const { disposeStagedFiles, disposeReturnPackage } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  retry,
});

import type { TerminationCaseParams } from '../domain/case-state-changes';
export type { TerminationCaseParams };

export interface CaseOutcome {
  caseId: string;
  status: CaseState['status'];
  statementId?: string;
}

const UPSERT_ONLY_CHANGES = 'upsert-only-changed-search-attributes';
const RECORD_CHANGES = 'record-writes-as-changes';
const RECORD_WRITES_HERE = 'record-writes-as-local-activities';

function sameAttribute(held: unknown, value: unknown): boolean {
  if (held instanceof Date || value instanceof Date)
    return held instanceof Date && value instanceof Date && held.getTime() === value.getTime();
  return (held ?? null) === (value ?? null);
}

export async function terminationCase(params: TerminationCaseParams): Promise<CaseOutcome> {
  const now = (): number => Date.now();
  const state: CaseState = params.carried?.state ?? newCaseState(params.caseId, params.input, params.createdBy, now());
  const chores: Chore[] = params.carried?.chores ?? [];
  const historyBudget = params.historyBudget ?? 10_000;
  let slowStep: wf.CancellationScope | undefined;
  let retentionStarted = false;
  let holdChanges = 0;
  wf.setHandler(legalHoldChanged, () => {
    holdChanges += 1;
  });

  /** Marks a transition: the record and the search attributes follow it. */
  function changed(): void {
    state.version += 1;
    state.updatedAt = now();
    const due = caseDue(state);
    const wanted = [
      { key: CaseStatusKey, value: state.status },
      { key: VendorNameKey, value: state.input.vendor.name },
      { key: ContractIdKey, value: state.input.contract.id },
      { key: OverdueKey, value: due?.overdue ?? false },
      { key: DueAtKey, value: due ? new Date(due.dueAt) : null },
    ] as const;
    // Only what differs from what Temporal holds: each upsert is a history event and a visibility write, and
    // most transitions (a mail sent, a file destroyed) change none of these. Cases started before this
    // change replay their recorded upserts (a patch marks the switch).
    if (!wf.patched(UPSERT_ONLY_CHANGES)) {
      wf.upsertSearchAttributes([...wanted]);
      return;
    }
    const held = wf.workflowInfo().typedSearchAttributes;
    const differing = wanted.filter(({ key, value }) => !sameAttribute(held.get(key), value));
    if (differing.length) wf.upsertSearchAttributes([...differing]);
  }
  // Each write sends what moved since the record last confirmed one (domain/record-change.ts); cases started
  // before that replay their whole-state writes (a patch marks the switch).
  const record = new RecordChanges();
  /** Writes what moved, here; answers the version the record then holds. */
  const sendChange = async (): Promise<number> => {
    const change = record.next(state);
    if ((await recordCaseChangeHere(change)) !== 'behind') {
      record.confirm(change.version);
      return change.version;
    }
    record.forget(); // the record lost what the change builds on (restored from a backup, say): send it whole
    const whole = record.next(state);
    await recordCaseChangeHere(whole);
    record.confirm(whole.version);
    return whole.version;
  };
  // Local writes go one at a time. Two in flight at once (a handler's and the main loop's) may finish in one
  // workflow activation when live and in two when replayed, and the case's commands would then come in another
  // order: a worker that took the case over could not replay it (tests/durability.test.ts found it).
  let writing: Promise<number> | undefined;
  let written = 0;
  const writeHere = async (): Promise<void> => {
    while (writing) await writing;
    if (written === state.version) return; // the write this one waited for took its change too
    const mine = sendChange();
    writing = mine;
    try {
      written = await mine;
    } finally {
      if (writing === mine) writing = undefined;
    }
  };
  const persist = async (): Promise<void> => {
    if (!wf.patched(RECORD_CHANGES)) return recordCase(state);
    if (wf.patched(RECORD_WRITES_HERE)) return writeHere();
    // Cases started before RECORD_WRITES_HERE: written as they were, with no added await (their commands' order).
    const change = record.next(state);
    if ((await recordCaseChange(change)) !== 'behind') return record.confirm(change.version);
    record.forget(); // as in sendChange
    const whole = record.next(state);
    await recordCaseChange(whole);
    record.confirm(whole.version);
  };

  const requestTrace = new RequestTrace();
  registerCaseMessages({
    requestTrace,
    state,
    chores,
    now,
    changed,
    persist,
    cancelSlowStep: () => slowStep?.cancel(),
    remindWhenExceptionEnds,
    forwardLegalHold: async (on) => {
      if (retentionStarted)
        await wf.getExternalWorkflowHandle(retentionWorkflowId(state.caseId)).signal(legalHoldForwarded, { on });
    },
    settleSubprocessor: (id) => tellFollowUp(id, subprocessorSettled, { settled: true }),
    relinkSubprocessor: (id, gen) => tellFollowUp(id, subprocessorRelinked, { gen }),
    moveSubprocessorDue: (id, dueAt) => tellFollowUp(id, subprocessorDueMoved, { dueAt }),
  });

  /**
   * Signals a subprocessor's follow-up. One not found needs no word: ended already (settled), or not started yet
   * (it reads the subprocessor's generation from the state when it starts).
   */
  async function tellFollowUp<Args extends unknown[]>(
    id: string,
    signal: wf.SignalDefinition<Args>,
    ...args: Args
  ): Promise<void> {
    try {
      await wf.getExternalWorkflowHandle(subprocessorFollowUpId(state.caseId, id)).signal(signal, ...args);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
    }
  }

  /** One timer per exception with an end date, outliving the case (workflows/exception-reminder.ts). */
  async function remindWhenExceptionEnds(exception: CaseException): Promise<void> {
    if (!exception.endsOn) return;
    await wf.startChild(exceptionReminder, {
      workflowId: exceptionReminderId(state.caseId, exception.id),
      args: [{ caseId: state.caseId, exceptionId: exception.id, endsOn: exception.endsOn }],
      parentClosePolicy: wf.ParentClosePolicy.ABANDON,
    });
  }

  // ---- the main loop: slow work and timers ------------------------------------------------------------------

  async function runChores(): Promise<void> {
    while (chores.length > 0) {
      const chore = chores[0]!;
      if (chore.kind === 'mail') {
        const open = openTaskOf(state);
        const task = chore.mail.task;
        const current = !!open && !!task && open.kind === task.kind && open.gen === task.gen;
        // A message about a task that closed or got a newer link meanwhile would only confuse: skip it.
        if (task && !current) {
          chores.shift();
          continue;
        }
        await sendCaseMail({ state, mail: chore.mail });
        if (open && current) {
          open.noticeSent = true;
          open.lastNoticeAt = now();
        }
        if (chore.mail.kind === 'notice' || chore.mail.kind === 'rejection' || chore.mail.kind === 'review_request') {
          addEvent(state, now(), 'mail_sent', 'system', mailSummary(chore.mail.kind, task?.kind));
        }
      } else if (chore.kind === 'follow_up_subprocessor') {
        // A child per subprocessor: Temporal's UI shows them under the case. Nothing to record: it tells us what it sends.
        const sub = subprocessorsOf(state).find((s) => s.id === chore.subprocessorId)!;
        await wf.startChild(subprocessorFollowUp, {
          workflowId: subprocessorFollowUpId(state.caseId, sub.id),
          args: [
            {
              caseId: state.caseId,
              caseWorkflowId: wf.workflowInfo().workflowId,
              subprocessorId: sub.id,
              gen: sub.gen,
              dueAt: sub.dueAt,
              reminderEveryMs: reminderEveryMs(state.input),
            },
          ],
          parentClosePolicy: wf.ParentClosePolicy.ABANDON,
        });
        chores.shift();
        continue;
      } else if (chore.kind === 'dispose_staged' || chore.kind === 'dispose_package') {
        // A legal hold in the record keeps the data (activities/dispose-data.ts): noted once, and done after its
        // release (disposeWhenReleased). Results of earlier versions carry no `held`.
        const staged = chore.kind === 'dispose_staged';
        const { held } =
          (staged
            ? await disposeStagedFiles({ caseId: state.caseId })
            : await disposeReturnPackage({ caseId: state.caseId, packageId: chore.packageId })) ?? {};
        const keptBefore = state.heldDisposals?.some((c) => c.id === chore.id) ?? false;
        if (held) {
          if (!keptBefore) {
            (state.heldDisposals ??= []).push(chore);
            addEvent(
              state,
              now(),
              staged ? 'staged_files_kept' : 'package_kept',
              'system',
              `${staged ? 'Staged copies of the uploaded files' : 'Return package'} kept: a legal hold is on`,
            );
          }
        } else {
          if (keptBefore) state.heldDisposals = state.heldDisposals!.filter((c) => c.id !== chore.id);
          addEvent(
            state,
            now(),
            staged ? 'staged_files_destroyed' : 'package_destroyed',
            'system',
            staged ? 'Staged copies of the uploaded files destroyed' : 'Rejected return package destroyed',
          );
        }
      }
      chores.shift();
      changed();
      await persist();
    }
  }

  /** Waits while a task is open: reminders on the case's cadence, escalation once it is overdue. */
  async function tendOpenTask(): Promise<void> {
    const task = openTaskOf(state);
    if (!task) return;
    const every = reminderEveryMs(state.input);
    const remindAt = task.noticeSent ? (task.lastNoticeAt ?? task.openedAt) + every : Infinity;
    const wakeAt = Math.min(remindAt, task.overdue ? Infinity : task.dueAt);
    const seen = state.version;
    const woken = await wf.condition(() => state.version !== seen || chores.length > 0, Math.max(wakeAt - now(), 1));
    if (woken || openTaskOf(state) !== task) return;
    const t = now();
    if (!task.overdue && t >= task.dueAt) {
      task.overdue = true;
      addEvent(
        state,
        t,
        'task_overdue',
        'system',
        `${TASK_TITLES[task.kind]} is overdue; the administrators are alerted`,
      );
      const mail = {
        id: `escalation-${task.kind}-${task.gen}-${task.dueAt}`,
        kind: 'escalation' as const,
        task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt },
      };
      chores.push({ id: mail.id, kind: 'mail', mail });
    }
    if (t >= remindAt) {
      task.reminders += 1;
      task.lastNoticeAt = t;
      addEvent(state, t, 'reminder_sent', 'system', `Reminder ${task.reminders}: ${TASK_TITLES[task.kind]}`);
      const mail = {
        id: `reminder-${task.kind}-${task.gen}-${task.reminders}`,
        kind: 'reminder' as const,
        task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt },
      };
      chores.push({ id: mail.id, kind: 'mail', mail });
    }
    changed();
    await persist();
  }

  /** 7400.1 III.A: the submitted files become one return package, hashed and encrypted at rest. */
  async function packageReturn(): Promise<void> {
    const round = state.returnRounds.at(-1)!;
    slowStep = new wf.CancellationScope();
    let built;
    try {
      built = await slowStep.run(() =>
        buildReturnPackage({ caseId: state.caseId, round: round.round, files: state.submittedFiles ?? [] }),
      );
    } catch (err) {
      if (state.status === 'cancelled') return;
      if (
        err instanceof wf.ActivityFailure &&
        err.cause instanceof wf.ApplicationFailure &&
        err.cause.type === 'StagedFileUnreadable'
      ) {
        const t = now();
        const reason = `the return could not be packaged: ${err.cause.message}. Please upload that file again and resubmit.`;
        round.decision = { decision: 'reject', reason, by: 'system', at: t };
        addEvent(state, t, 'return_rejected', 'system', `Return could not be packaged: ${err.cause.message}`);
        openTask(state, 'return', t, chores, 'rejection', reason);
        changed();
        await persist();
        return;
      }
      throw err;
    } finally {
      slowStep = undefined;
    }
    if (state.status !== 'packaging') return;
    const t = now();
    Object.assign(
      round,
      {
        packageId: built.packageId,
        zipSha256: built.zipSha256,
        zipBytes: built.zipBytes,
        ...(built.roster ? { roster: built.roster } : {}),
      },
      countByCategory(state.input, built.files),
    );
    // Students of the roster missing from the return are a shortfall like a missing category.
    const rosterGap = built.roster && rosterShortfall(built.roster);
    if (rosterGap) round.shortfalls.push(rosterGap);
    state.submittedFiles = built.files;
    addEvent(
      state,
      t,
      'package_built',
      'system',
      `Return package built: ${built.files.length} file(s), ZIP SHA-256 ${built.zipSha256}${built.roster ? `. ${rosterCoverageSentence(built.roster)}` : ''}`,
    );
    openTask(state, 'review', t, chores);
    changed();
    await persist();
  }

  /** The vendor's subprocessors certify through their own links (their follow-ups remind them): wait for a change. */
  async function awaitSubprocessors(): Promise<void> {
    const seen = state.version;
    await wf.condition(() => state.version !== seen || chores.length > 0);
  }

  /** Backups that were not destroyed roll off on the date the vendor named; then the vendor confirms it. */
  async function awaitBackupRolloff(): Promise<void> {
    if (openTaskOf(state)) return tendOpenTask();
    const rollOff = startOfDay(state.certification!.destruction.backups.rollOffDate!);
    const seen = state.version;
    const woken = await wf.condition(() => state.version !== seen || chores.length > 0, Math.max(rollOff - now(), 1));
    if (woken || state.status !== 'awaiting_backup_rolloff') return;
    openTask(state, 'confirm_backup_rolloff', now(), chores);
    changed();
    await persist();
  }

  async function issueStatement(): Promise<void> {
    const issuedAt = now();
    slowStep = new wf.CancellationScope();
    let statement;
    try {
      statement = await slowStep.run(() => generateStatement({ state, statementId: wf.uuid4(), issuedAt }));
    } catch (err) {
      if (state.status === 'cancelled') return;
      throw err;
    } finally {
      slowStep = undefined;
    }
    if (state.status !== 'generating_statement') return;
    state.statement = statement;
    state.status = 'completed';
    addEvent(
      state,
      now(),
      'statement_issued',
      'system',
      `Statement ${statement.statementId} issued (SHA-256 ${statement.sha256})`,
    );
    chores.push({ id: 'completion', kind: 'mail', mail: { id: 'completion', kind: 'completion' } });
    changed();
    await persist();
  }

  /**
   * What a legal hold kept is disposed of once the record says it is released: the case stays open for it, and
   * looks again when told the hold changed (legalHoldChanged), or daily.
   */
  async function disposeWhenReleased(): Promise<void> {
    // Looks once at once (a release may have come while the case was still busy), then after each change.
    let seen: number | undefined;
    while (state.heldDisposals?.length) {
      if (seen === holdChanges) await wf.condition(() => holdChanges !== seen, '1 day');
      seen = holdChanges;
      chores.push(...state.heldDisposals);
      await runChores();
    }
  }

  /** 7400.1 II.C: the accepted return package is kept for RETENTION, then destroyed unless a legal hold is on. */
  async function scheduleRetention(): Promise<void> {
    const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
    if (!accepted?.packageId || params.retentionMs === undefined) return;
    state.retention ??= { packageId: accepted.packageId, destroyAt: now() + params.retentionMs };
    addEvent(
      state,
      now(),
      'retention_scheduled',
      'system',
      `Returned data kept until ${new Date(state.retention.destroyAt).toISOString()}, then destroyed unless a legal hold is on`,
    );
    changed();
    await persist();
    await wf.startChild(packageRetention, {
      workflowId: retentionWorkflowId(state.caseId),
      args: [
        {
          caseId: state.caseId,
          packageId: accepted.packageId,
          destroyAt: state.retention.destroyAt,
          legalHold: legalHoldOn(state),
        },
      ],
      parentClosePolicy: wf.ParentClosePolicy.ABANDON,
    });
    retentionStarted = true;
  }

  // ---- start, and the loop itself ------------------------------------------------------------------------

  if (!params.carried) {
    addEvent(
      state,
      state.createdAt,
      'case_started',
      state.createdBy,
      `Termination case started for ${state.input.vendor.name}, contract ${state.input.contract.id}`,
    );
    openTask(state, 'acknowledge', state.createdAt, chores); // 7400.1 III: the termination notice
    changed();
    await persist();
    for (const exception of exceptionsOf(state)) await remindWhenExceptionEnds(exception);
  }

  // Each step runs within the trace of the action that last moved the case (workflows/request-trace.ts). `run`
  // returns the step's own promise, so the loop awaits exactly what it awaited before tracing existed.
  const traced = requestTrace.run.bind(requestTrace);
  for (;;) {
    await traced(runChores);
    if (isTerminal(state.status)) break;
    switch (state.status) {
      case 'packaging':
        await traced(packageReturn);
        break;
      case 'awaiting_backup_rolloff':
        await traced(awaitBackupRolloff);
        break;
      case 'awaiting_subprocessors':
        await traced(awaitSubprocessors);
        break;
      case 'generating_statement':
        await traced(issueStatement);
        break;
      default:
        await traced(tendOpenTask);
    }
    const info = wf.workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyBudget) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof terminationCase>({ ...params, carried: { state, chores } });
    }
  }
  // A cancelled case's subprocessors hear nothing more.
  for (const sub of pendingSubprocessors(state)) await tellFollowUp(sub.id, subprocessorSettled, { settled: true });
  await scheduleRetention();
  await disposeWhenReleased();
  await wf.condition(wf.allHandlersFinished);
  return {
    caseId: state.caseId,
    status: state.status,
    ...(state.statement ? { statementId: state.statement.statementId } : {}),
  };
}

function mailSummary(kind: string, task?: string): string {
  if (kind === 'review_request') return 'Review request sent to the administrators';
  if (kind === 'rejection') return 'Rejection sent to the vendor with a new return link';
  return `Notice sent to the vendor: ${task ? TASK_TITLES[task as keyof typeof TASK_TITLES] : ''}`;
}
