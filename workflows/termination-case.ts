// The termination case: policy 7400.1 Section III in order, as one durable workflow.
//   notice (acknowledge) -> III.A return of all student data -> district review (reject loops back)
//   -> III.C statement of destruction + IV.A removal of tracking mechanisms -> backups rolling off
//   -> the PDF statement.
// Handlers change the state synchronously and write the case record before they answer; the main loop
// owns the slow work (mail, packaging, the statement) and the timers (reminders, escalation).
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { ActionResult, CaseState } from '../domain/case-state';
import { legalHoldMessage, legalHoldOn, openTaskOf } from '../domain/case-state';
import type { CaseInput } from '../domain/case-input';
import { backupRolloffProblems, certificationProblems, countByCategory, reminderEveryMs } from '../domain/lifecycle';
import * as schema from '../domain/messages';
import { isTerminal, isVendorTask, TASK_TITLES } from '../domain/statuses';
import { parseMoment, startOfDay } from '../domain/dates';
import { addEvent, closeOpenTask, newCaseState, openTask, type Chore } from './case-state-changes';
import { checkVendorLink, parsePayload, refuse, refuseWhenClosed } from './case-guards';
import * as messages from './messages';
import { legalHoldForwarded, packageRetention, retentionWorkflowId } from './package-retention';
import { CaseStatusKey, ContractIdKey, DueAtKey, OverdueKey, VendorNameKey } from './search-attributes';

const retry: wf.RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };

const { recordCase } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '30 seconds', retry });
// Unlimited attempts: a mail server that is down for hours still gets every notice, once.
const { sendCaseMail } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '2 minutes', retry });
// Heartbeats let a new worker take over promptly when the one packaging dies.
const { buildReturnPackage } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '10 seconds',
  retry: { ...retry, nonRetryableErrorTypes: ['StagedFileUnreadable'] },
});
const { generateStatement } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '10 minutes', retry });
const { disposeStagedFiles, disposeReturnPackage } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '10 minutes', retry });

export interface TerminationCaseParams {
  caseId: string;
  input: CaseInput;
  createdBy: string;
  /** History events a run may grow to before it continues as new (long cases stay healthy). */
  historyBudget?: number;
  /** How long the accepted return package is kept after the case ends (RETENTION). */
  retentionMs?: number;
  /** Carried across continue-as-new. */
  carried?: { state: CaseState; chores: Chore[] };
}

export interface CaseOutcome {
  caseId: string;
  status: CaseState['status'];
  statementId?: string;
}

export async function terminationCase(params: TerminationCaseParams): Promise<CaseOutcome> {
  const now = (): number => Date.now();
  const state: CaseState = params.carried?.state ?? newCaseState(params.caseId, params.input, params.createdBy, now());
  const chores: Chore[] = params.carried?.chores ?? [];
  const historyBudget = params.historyBudget ?? 10_000;
  let slowStep: wf.CancellationScope | undefined;
  let retentionStarted = false;

  /** Marks a transition: the record and the search attributes follow it. */
  function changed(): void {
    state.version += 1;
    state.updatedAt = now();
    const open = openTaskOf(state);
    wf.upsertSearchAttributes([
      { key: CaseStatusKey, value: state.status },
      { key: VendorNameKey, value: state.input.vendor.name },
      { key: ContractIdKey, value: state.input.contract.id },
      { key: OverdueKey, value: open?.overdue ?? false },
      { key: DueAtKey, value: open ? new Date(open.dueAt) : null },
    ]);
  }
  const persist = (): Promise<void> => recordCase(state);

  function result(message: string): ActionResult {
    return { caseId: state.caseId, status: state.status, message };
  }
  function settle(id: string, answer: ActionResult): ActionResult {
    state.settledUpdates[id] = answer;
    return answer;
  }
  function repeated(id: string): ActionResult {
    return { ...state.settledUpdates[id]!, alreadyDone: true };
  }

  // ---- the vendor's actions, each through the link of the open task -------------------------------------

  wf.setHandler(messages.acknowledgeNotice, async (req) => {
    const id = schema.updateId(req.link.task, req.link.gen, 'acknowledgeNotice');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.acknowledgement = { contactName: req.contactName, contactEmail: req.contactEmail, ...(req.contactTitle ? { contactTitle: req.contactTitle } : {}), at: t };
    addEvent(state, t, 'notice_acknowledged', 'vendor', `Notice acknowledged by ${req.contactName}`);
    // 7400.1 III.A: return at the district's option; destroy_only goes straight to certification.
    openTask(state, state.input.disposition.option === 'destroy_only' ? 'certify' : 'return', t, chores);
    changed();
    await persist();
    return settle(id, result('Notice acknowledged. The next task is on its way by email.'));
  }, { validator: (req) => { if (!checkVendorLink(state, parsePayload(schema.acknowledgeSchema, req).link, 'acknowledgeNotice')) requireTask(req.link.task, 'acknowledge'); } });

  wf.setHandler(messages.submitReturn, async (req) => {
    const id = schema.updateId(req.link.task, req.link.gen, 'submitReturn');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.submittedFiles = req.files;
    const counts = countByCategory(state.input, req.files);
    state.returnRounds.push({
      round: state.returnRounds.length + 1,
      submittedAt: t,
      ...(req.note ? { note: req.note } : {}),
      files: req.files.length,
      bytes: req.files.reduce((sum, file) => sum + file.bytes, 0),
      ...counts,
    });
    state.status = 'packaging';
    addEvent(state, t, 'return_submitted', 'vendor', `Return submitted: ${req.files.length} file(s)`, { round: state.returnRounds.length });
    changed();
    await persist();
    return settle(id, result('Return received. The district will review it and write to you.'));
  }, {
    validator: (req) => {
      const { link, files } = parsePayload(schema.submitReturnSchema, req);
      if (checkVendorLink(state, link, 'submitReturn')) return;
      requireTask(link.task, 'return');
      const requested = new Set(state.input.disposition.categories.map((c) => c.key));
      const ids = new Set<string>();
      for (const file of files) {
        if (!requested.has(file.category)) refuse(messages.REFUSAL.invalidPayload, `files: "${file.name}" is in category "${file.category}", which this case does not request`);
        if (ids.has(file.fileId)) refuse(messages.REFUSAL.invalidPayload, `files: file ${file.fileId} is listed twice`);
        ids.add(file.fileId);
      }
    },
  });

  wf.setHandler(messages.certify, async (req) => {
    const id = schema.updateId(req.link.task, req.link.gen, 'certify');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.certification = { ...req.certification, at: t };
    const { destruction } = req.certification;
    addEvent(state, t, 'destruction_certified', 'vendor', `Destruction certified by ${destruction.signatoryName}, ${destruction.signatoryTitle} (completed ${destruction.completedOn}, NIST SP 800-88 ${destruction.method}); tracking mechanisms removed`);
    state.status = destruction.backups.destroyed ? 'generating_statement' : 'awaiting_backup_rolloff';
    changed();
    await persist();
    return settle(id, result(destruction.backups.destroyed
      ? 'Certification received. The final statement will be emailed to you.'
      : `Certification received. We will ask you to confirm on ${destruction.backups.rollOffDate} that backups have rolled off.`));
  }, {
    validator: (req) => {
      const { link, certification } = parsePayload(schema.certifySchema, req);
      if (checkVendorLink(state, link, 'certify')) return;
      requireTask(link.task, 'certify');
      const problems = certificationProblems(state, certification, now());
      if (problems.length) refuse(messages.REFUSAL.invalidPayload, problems.join('; '));
    },
  });

  wf.setHandler(messages.confirmBackupRolloff, async (req) => {
    const id = schema.updateId(req.link.task, req.link.gen, 'confirmBackupRolloff');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.backupRolloff = { confirmedOn: req.confirmedOn, attestation: req.attestation, at: t };
    addEvent(state, t, 'backups_rolled_off', 'vendor', `Backups confirmed rolled off on ${req.confirmedOn}`);
    state.status = 'generating_statement';
    changed();
    await persist();
    return settle(id, result('Confirmation received. The final statement will be emailed to you.'));
  }, {
    validator: (req) => {
      const parsed = parsePayload(schema.confirmBackupRolloffSchema, req);
      if (checkVendorLink(state, parsed.link, 'confirmBackupRolloff')) return;
      requireTask(parsed.link.task, 'confirm_backup_rolloff');
      const problems = backupRolloffProblems(state, parsed, now());
      if (problems.length) refuse(messages.REFUSAL.invalidPayload, problems.join('; '));
    },
  });

  // ---- the district's actions -----------------------------------------------------------------------------

  wf.setHandler(messages.reviewReturn, async (req) => {
    const id = schema.updateId('review', req.gen, 'reviewReturn');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    const round = state.returnRounds.at(-1)!;
    round.decision = { decision: req.decision, ...(req.reason ? { reason: req.reason } : {}), by: req.actor, at: t };
    if (req.decision === 'accept') {
      addEvent(state, t, 'return_accepted', req.actor, `Returned data accepted (package ${round.zipSha256?.slice(0, 12) ?? ''}…)`);
      // 7400.1 III.C: only now may the vendor certify destruction. The staged copies are no longer needed.
      chores.push({ id: `dispose-staged-${round.round}`, kind: 'dispose_staged' });
      openTask(state, 'certify', t, chores);
    } else {
      addEvent(state, t, 'return_rejected', req.actor, `Returned data rejected: ${req.reason}`);
      if (round.packageId) chores.push({ id: `dispose-package-${round.round}`, kind: 'dispose_package', packageId: round.packageId });
      openTask(state, 'return', t, chores, 'rejection', req.reason);
    }
    changed();
    await persist();
    return settle(id, result(req.decision === 'accept'
      ? 'Return accepted; the vendor is asked to certify destruction.'
      : 'Return rejected; the vendor is told why and asked to return the data again.'));
  }, {
    validator: (req) => {
      const review = parsePayload(schema.reviewSchema, req);
      if (state.settledUpdates[schema.updateId('review', review.gen, 'reviewReturn')]) return;
      refuseWhenClosed(state);
      const open = openTaskOf(state);
      if (open?.kind !== 'review') refuse(messages.REFUSAL.wrongState, `there is no returned data waiting for review; the case is ${state.status}`);
      if (open.gen !== review.gen) refuse(messages.REFUSAL.staleLink, 'this decision is about an earlier return; reload the case and review the latest package');
    },
  });

  wf.setHandler(messages.extendDeadline, async (req) => {
    const task = openTaskOf(state)!;
    const t = now();
    const until = new Date(untilMs(req.until)).toISOString();
    task.dueAt = untilMs(req.until);
    task.overdue = false;
    addEvent(state, t, 'deadline_extended', req.actor, `${TASK_TITLES[task.kind]}: due ${until} (${req.reason})`);
    if (isVendorTask(task.kind)) {
      const mail = { id: `extension-${task.kind}-${task.gen}-${task.dueAt}`, kind: 'extension' as const, task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt }, reason: req.reason };
      chores.push({ id: mail.id, kind: 'mail', mail });
    }
    changed();
    await persist();
    return result(`${TASK_TITLES[task.kind]} is now due ${until}.`);
  }, {
    validator: (req) => {
      const extension = parsePayload(schema.extendDeadlineSchema, req);
      refuseWhenClosed(state);
      const open = openTaskOf(state);
      if (open?.kind !== extension.task) refuse(messages.REFUSAL.wrongState, `the task "${TASK_TITLES[extension.task]}" is not open; the case is ${state.status}`);
      if (untilMs(extension.until) <= Math.max(open.dueAt, now())) {
        refuse(messages.REFUSAL.invalidPayload, `until: an extension must move the due time later than ${new Date(Math.max(open.dueAt, now())).toISOString()}`);
      }
    },
  });

  wf.setHandler(messages.resendLink, async (req) => {
    const task = openTaskOf(state)!;
    const t = now();
    task.gen += 1; // older links stop working
    task.noticeSent = false;
    addEvent(state, t, 'link_resent', req.actor, `New link sent for "${TASK_TITLES[task.kind]}"; older links no longer work`);
    const mail = { id: `notice-${task.kind}-${task.gen}`, kind: 'notice' as const, resent: true, task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt } };
    chores.push({ id: mail.id, kind: 'mail', mail });
    changed();
    await persist();
    return result(`A new link for "${TASK_TITLES[task.kind]}" is on its way to the vendor.`);
  }, {
    validator: (req) => {
      parsePayload(schema.resendLinkSchema, req);
      refuseWhenClosed(state);
      const open = openTaskOf(state);
      if (!open || !isVendorTask(open.kind)) refuse(messages.REFUSAL.wrongState, `no vendor task is open; the case is ${state.status}`);
    },
  });

  wf.setHandler(messages.cancelCase, async (req) => {
    const t = now();
    const fromStatus = state.status;
    closeOpenTask(state, t, 'cancelled');
    state.cancellation = { reason: req.reason, by: req.actor, at: t, fromStatus };
    state.status = 'cancelled';
    addEvent(state, t, 'case_cancelled', req.actor, `Case cancelled: ${req.reason}`);
    slowStep?.cancel();
    if (!legalHoldOn(state)) {
      // Nothing the district has not accepted is kept once the case is cancelled (7400.1 II.C).
      chores.push({ id: 'dispose-staged-cancel', kind: 'dispose_staged' });
      const round = state.returnRounds.at(-1);
      if (round?.packageId && round.decision?.decision !== 'accept') {
        chores.push({ id: `dispose-package-${round.round}`, kind: 'dispose_package', packageId: round.packageId });
      }
    }
    chores.push({ id: 'cancellation', kind: 'mail', mail: { id: 'cancellation', kind: 'cancellation', reason: req.reason } });
    changed();
    await persist();
    return result('Case cancelled.');
  }, { validator: (req) => { parsePayload(schema.cancelCaseSchema, req); refuseWhenClosed(state); } });

  wf.setHandler(messages.setLegalHold, async (req) => {
    const t = now();
    state.legalHold.push({ on: req.on, reason: req.reason, by: req.actor, at: t });
    addEvent(state, t, req.on ? 'legal_hold_set' : 'legal_hold_released', req.actor, `Legal hold ${req.on ? 'set' : 'released'}: ${req.reason}`);
    changed();
    await persist();
    if (retentionStarted) await wf.getExternalWorkflowHandle(retentionWorkflowId(state.caseId)).signal(legalHoldForwarded, { on: req.on });
    return result(legalHoldMessage(req.on));
  }, {
    validator: (req) => {
      const hold = parsePayload(schema.legalHoldSchema, req);
      if (legalHoldOn(state) === hold.on) refuse(messages.REFUSAL.wrongState, `the legal hold is already ${hold.on ? 'on' : 'off'}`);
    },
  });

  wf.setHandler(messages.caseState, () => state);

  function requireTask(linkTask: string, expected: string): void {
    if (linkTask !== expected) refuse(messages.REFUSAL.wrongState, `this action belongs to the "${expected}" task, but the link is for "${linkTask}"`);
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
      } else if (chore.kind === 'dispose_staged') {
        await disposeStagedFiles({ caseId: state.caseId });
        addEvent(state, now(), 'staged_files_destroyed', 'system', 'Staged copies of the uploaded files destroyed');
      } else {
        await disposeReturnPackage({ caseId: state.caseId, packageId: chore.packageId });
        addEvent(state, now(), 'package_destroyed', 'system', 'Rejected return package destroyed');
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
      addEvent(state, t, 'task_overdue', 'system', `${TASK_TITLES[task.kind]} is overdue; the administrators are alerted`);
      const mail = { id: `escalation-${task.kind}-${task.gen}-${task.dueAt}`, kind: 'escalation' as const, task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt } };
      chores.push({ id: mail.id, kind: 'mail', mail });
    }
    if (t >= remindAt) {
      task.reminders += 1;
      task.lastNoticeAt = t;
      addEvent(state, t, 'reminder_sent', 'system', `Reminder ${task.reminders}: ${TASK_TITLES[task.kind]}`);
      const mail = { id: `reminder-${task.kind}-${task.gen}-${task.reminders}`, kind: 'reminder' as const, task: { kind: task.kind, gen: task.gen, dueAt: task.dueAt } };
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
      built = await slowStep.run(() => buildReturnPackage({ caseId: state.caseId, round: round.round, files: state.submittedFiles ?? [] }));
    } catch (err) {
      if (state.status === 'cancelled') return;
      if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === 'StagedFileUnreadable') {
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
    Object.assign(round, { packageId: built.packageId, zipSha256: built.zipSha256, zipBytes: built.zipBytes }, countByCategory(state.input, built.files));
    state.submittedFiles = built.files;
    addEvent(state, t, 'package_built', 'system', `Return package built: ${built.files.length} file(s), ZIP SHA-256 ${built.zipSha256}`);
    openTask(state, 'review', t, chores);
    changed();
    await persist();
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
    addEvent(state, now(), 'statement_issued', 'system', `Statement ${statement.statementId} issued (SHA-256 ${statement.sha256})`);
    chores.push({ id: 'completion', kind: 'mail', mail: { id: 'completion', kind: 'completion' } });
    changed();
    await persist();
  }

  /** 7400.1 II.C: the accepted return package is kept for RETENTION, then destroyed unless a legal hold is on. */
  async function scheduleRetention(): Promise<void> {
    const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept');
    if (!accepted?.packageId || params.retentionMs === undefined) return;
    state.retention ??= { packageId: accepted.packageId, destroyAt: now() + params.retentionMs };
    addEvent(state, now(), 'retention_scheduled', 'system', `Returned data kept until ${new Date(state.retention.destroyAt).toISOString()}, then destroyed unless a legal hold is on`);
    changed();
    await persist();
    await wf.startChild(packageRetention, {
      workflowId: retentionWorkflowId(state.caseId),
      args: [{ caseId: state.caseId, packageId: accepted.packageId, destroyAt: state.retention.destroyAt, legalHold: legalHoldOn(state) }],
      parentClosePolicy: wf.ParentClosePolicy.ABANDON,
    });
    retentionStarted = true;
  }

  // ---- start, and the loop itself ------------------------------------------------------------------------

  if (!params.carried) {
    addEvent(state, state.createdAt, 'case_started', state.createdBy, `Termination case started for ${state.input.vendor.name}, contract ${state.input.contract.id}`);
    openTask(state, 'acknowledge', state.createdAt, chores); // 7400.1 III: the termination notice
    changed();
    await persist();
  }

  for (;;) {
    await runChores();
    if (isTerminal(state.status)) break;
    switch (state.status) {
      case 'packaging': await packageReturn(); break;
      case 'awaiting_backup_rolloff': await awaitBackupRolloff(); break;
      case 'generating_statement': await issueStatement(); break;
      default: await tendOpenTask();
    }
    const info = wf.workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyBudget) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof terminationCase>({ ...params, carried: { state, chores } });
    }
  }
  await scheduleRetention();
  await wf.condition(wf.allHandlersFinished);
  return { caseId: state.caseId, status: state.status, ...(state.statement ? { statementId: state.statement.statementId } : {}) };
}

function untilMs(text: string): number {
  return parseMoment(text)!; // validated by the schema before a handler runs
}

function mailSummary(kind: string, task?: string): string {
  if (kind === 'review_request') return 'Review request sent to the administrators';
  if (kind === 'rejection') return 'Rejection sent to the vendor with a new return link';
  return `Notice sent to the vendor: ${task ? TASK_TITLES[task as keyof typeof TASK_TITLES] : ''}`;
}
