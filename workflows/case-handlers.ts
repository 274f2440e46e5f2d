// The messages a termination case answers: the vendor's actions through the link of the open task, and the
// district's. Each validator refuses synchronously with a reason; each handler changes the state at once and
// writes the case record before it answers. The slow work is the main loop's (termination-case.ts).
import * as wf from '@temporalio/workflow';
import type { ActionResult, CaseException, CaseState, SubprocessorState } from '../domain/case-state';
import { certificationReceived, exceptionsOf, legalHoldMessage, legalHoldOn, legalHoldSummary, openTaskOf, pendingSubprocessors, subprocessorsOf } from '../domain/case-state';
import { enforcementRefusal } from '../domain/enforcement';
import { backupRolloffProblems, certificationProblems, countByCategory, subprocessorCertificationProblems, taskDurationMs } from '../domain/lifecycle';
import { parseMoment } from '../domain/dates';
import { MAX_DEADLINE_MS } from '../domain/durations';
import { linkUpdateId, updateId } from '../domain/update-ids';
import { isTerminal, isVendorTask, TASK_TITLES } from '../domain/statuses';
import { addEvent, closeOpenTask, openTask, type Chore } from './case-state-changes';
import { checkVendorLink, parsePayload, refuse, refuseWhenClosed } from './case-guards';
import * as messages from './messages';
import { subprocessorNews } from './subprocessor-follow-up';

/** Subprocessors named in a certification certify on their own (child workflows); cases before named dates. */
const SUBPROCESSOR_CASCADE = 'subprocessor-cascade';
const { LEGAL_HOLD_IN_RECORD } = messages;

export interface CaseRun {
  state: CaseState;
  chores: Chore[];
  now(): number;
  /** Marks a transition: the record and the search attributes follow it. */
  changed(): void;
  persist(): Promise<void>;
  /** Stops the packaging or the statement under way (a cancellation). */
  cancelSlowStep(): void;
  /** Starts the timer that tells the administrators when an exception ends (none without an end date). */
  remindWhenExceptionEnds(exception: CaseException): Promise<void>;
  /** Tells the retention workflow, once the case has started it, of a legal hold. */
  forwardLegalHold(on: boolean): Promise<void>;
  /** Tells a subprocessor's follow-up that it is settled (certified or waived), so it sends nothing more. */
  settleSubprocessor(id: string): Promise<void>;
  /** Tells a subprocessor's follow-up of a new link generation, whose notice it sends. */
  relinkSubprocessor(id: string, gen: number): Promise<void>;
}

export function registerCaseHandlers(run: CaseRun): void {
  const { state, chores, now, changed, persist } = run;

  function resultAt(status: CaseState['status'], message: string): ActionResult {
    return { caseId: state.caseId, status, message };
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
    const id = linkUpdateId(req.link, 'acknowledgeNotice');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.acknowledgement = { contactName: req.contactName, contactEmail: req.contactEmail, ...(req.contactTitle ? { contactTitle: req.contactTitle } : {}), at: t };
    addEvent(state, t, 'notice_acknowledged', 'vendor', `Notice acknowledged by ${req.contactName}`);
    // 7400.1 III.A: return at the district's option; destroy_only goes straight to certification.
    openTask(state, state.input.disposition.option === 'destroy_only' ? 'certify' : 'return', t, chores);
    changed();
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, 'Notice acknowledged. The next task is on its way by email.'));
  }, { validator: (req) => { if (!checkVendorLink(state, parsePayload('acknowledgeNotice', req).link, 'acknowledgeNotice')) requireTask(req.link.task, 'acknowledge'); } });

  wf.setHandler(messages.submitReturn, async (req) => {
    const id = linkUpdateId(req.link, 'submitReturn');
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
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, 'Return received. The district will review it and write to you.'));
  }, {
    validator: (req) => {
      const { link, files } = parsePayload('submitReturn', req);
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
    const id = linkUpdateId(req.link, 'certify');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.certification = { ...req.certification, at: t, ...(req.signatoryCheck ? { signatoryCheck: req.signatoryCheck } : {}) };
    const { destruction } = req.certification;
    addEvent(state, t, 'destruction_certified', 'vendor', `Destruction certified by ${destruction.signatoryName}, ${destruction.signatoryTitle} (completed ${destruction.completedOn}, NIST SP 800-88 ${destruction.method}); tracking mechanisms removed`);
    if (destruction.subprocessors.length && wf.patched(SUBPROCESSOR_CASCADE)) {
      const dueAt = t + taskDurationMs(state.input, 'certify');
      state.subprocessors = destruction.subprocessors.map((named, index): SubprocessorState => ({
        id: `s${index + 1}`, name: named.name, contactEmail: named.contactEmail, ...(named.contactName ? { contactName: named.contactName } : {}),
        gen: 1, openedAt: t, dueAt, noticeSent: false, reminders: 0, overdue: false,
      }));
      addEvent(state, t, 'subprocessors_asked', 'vendor', `Subprocessors asked to certify their own destruction: ${state.subprocessors.map((s) => s.name).join(', ')}`);
      for (const sub of state.subprocessors) chores.push({ id: `follow-up-${sub.id}`, kind: 'follow_up_subprocessor', subprocessorId: sub.id });
    }
    if (!destruction.backups.destroyed) state.status = 'awaiting_backup_rolloff';
    else if (pendingSubprocessors(state).length) state.status = 'awaiting_subprocessors';
    else readyForStatement(t);
    changed();
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, certificationReceived(state)));
  }, {
    validator: (req) => {
      const { link, certification } = parsePayload('certify', req);
      if (checkVendorLink(state, link, 'certify')) return;
      requireTask(link.task, 'certify');
      const problems = certificationProblems(state, certification, now());
      if (problems.length) refuse(messages.REFUSAL.invalidPayload, problems.join('; '));
    },
  });

  wf.setHandler(messages.confirmBackupRolloff, async (req) => {
    const id = linkUpdateId(req.link, 'confirmBackupRolloff');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.backupRolloff = { confirmedOn: req.confirmedOn, attestation: req.attestation, at: t };
    addEvent(state, t, 'backups_rolled_off', 'vendor', `Backups confirmed rolled off on ${req.confirmedOn}`);
    if (pendingSubprocessors(state).length) state.status = 'awaiting_subprocessors';
    else readyForStatement(t);
    changed();
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, 'Confirmation received. The final statement will be emailed to you.'));
  }, {
    validator: (req) => {
      const parsed = parsePayload('confirmBackupRolloff', req);
      if (checkVendorLink(state, parsed.link, 'confirmBackupRolloff')) return;
      requireTask(parsed.link.task, 'confirm_backup_rolloff');
      const problems = backupRolloffProblems(state, parsed, now());
      if (problems.length) refuse(messages.REFUSAL.invalidPayload, problems.join('; '));
    },
  });

  // ---- the vendor's subprocessors, each certifying through its own link ---------------------------------

  const subprocessorOf = (id: string | undefined): SubprocessorState | undefined => subprocessorsOf(state).find((s) => s.id === id);

  /** The subprocessor a district action names, refused when the case has none by that id or it is settled. */
  function pendingSubprocessorNamed(id: string): SubprocessorState {
    const sub = subprocessorOf(id);
    if (!sub) refuse(messages.REFUSAL.invalidPayload, `subprocessorId: the case has no subprocessor ${id}${subprocessorsOf(state).length ? ` (it has ${subprocessorsOf(state).map((s) => s.id).join(', ')})` : ''}`);
    if (sub.certification) refuse(messages.REFUSAL.wrongState, `${sub.name} has already certified its destruction`);
    if (sub.waiver) refuse(messages.REFUSAL.wrongState, `${sub.name}'s certification is already waived`);
    return sub;
  }

  /** Once no subprocessor is pending, a case that waited only for them goes on to its statement. */
  function afterSubprocessorSettled(t: number): void {
    if (state.status === 'awaiting_subprocessors' && pendingSubprocessors(state).length === 0) readyForStatement(t);
  }

  wf.setHandler(messages.certifySubprocessor, async (req) => {
    const id = linkUpdateId(req.link, 'certifySubprocessor');
    if (state.settledUpdates[id]) return repeated(id);
    const sub = subprocessorOf(req.link.sub)!;
    const t = now();
    const cert = req.certification;
    sub.certification = { ...cert, at: t, ...(req.signatoryCheck ? { signatoryCheck: req.signatoryCheck } : {}) };
    addEvent(state, t, 'subprocessor_certified', 'subprocessor', `${sub.name} certified destruction: signed by ${cert.signatoryName}, ${cert.signatoryTitle} (completed ${cert.completedOn}, NIST SP 800-88 ${cert.method})`, { subprocessorId: sub.id });
    afterSubprocessorSettled(t);
    changed();
    const answered = state.status;
    await persist();
    await run.settleSubprocessor(sub.id);
    return settle(id, resultAt(answered, 'Certification received. Thank you: nothing more is needed from you for this case.'));
  }, {
    validator: (req) => {
      const { link, certification } = parsePayload('certifySubprocessor', req);
      if (state.settledUpdates[linkUpdateId(link, 'certifySubprocessor')]) return;
      refuseWhenClosed(state);
      if (link.task !== 'subprocessor_certify') refuse(messages.REFUSAL.wrongState, 'this action belongs to the link a subprocessor was sent; this link is for the vendor\'s own task');
      const sub = subprocessorOf(link.sub);
      if (!sub) refuse(messages.REFUSAL.wrongState, 'this link names no subprocessor of the case');
      if (sub.waiver) refuse(messages.REFUSAL.wrongState, `the district waived ${sub.name}'s certification; nothing more is needed`);
      if (sub.certification) refuse(messages.REFUSAL.wrongState, `${sub.name} has already certified its destruction`);
      if (link.gen !== sub.gen) refuse(messages.REFUSAL.staleLink, 'this link was replaced by a newer one; use the link in the most recent email');
      const problems = subprocessorCertificationProblems(state, certification, now());
      if (problems.length) refuse(messages.REFUSAL.invalidPayload, problems.join('; '));
    },
  });

  wf.setHandler(messages.waiveSubprocessor, async (req) => {
    const sub = subprocessorOf(req.subprocessorId)!;
    const t = now();
    sub.waiver = { reason: req.reason, by: req.actor, at: t };
    addEvent(state, t, 'subprocessor_waived', req.actor, `${sub.name}'s certification waived: ${req.reason}`, { subprocessorId: sub.id });
    afterSubprocessorSettled(t);
    changed();
    const answered = state.status;
    await persist();
    await run.settleSubprocessor(sub.id);
    return resultAt(answered, `${sub.name}'s certification is waived.`);
  }, {
    validator: (req) => {
      const waiver = parsePayload('waiveSubprocessor', req);
      refuseWhenClosed(state);
      pendingSubprocessorNamed(waiver.subprocessorId);
    },
  });

  wf.setHandler(messages.resendSubprocessorLink, async (req) => {
    const sub = subprocessorOf(req.subprocessorId)!;
    const t = now();
    sub.gen += 1; // older links stop working
    sub.noticeSent = false;
    const moved = req.contactEmail && req.contactEmail.toLowerCase() !== sub.contactEmail.toLowerCase() ? sub.contactEmail : undefined;
    if (req.contactEmail) sub.contactEmail = req.contactEmail;
    addEvent(state, t, 'link_resent', req.actor, `New link for the subprocessor ${sub.name}${moved ? `, now to ${sub.contactEmail} (was ${moved})` : ''}; older links no longer work`, { subprocessorId: sub.id });
    changed();
    const answered = state.status;
    await persist();
    await run.relinkSubprocessor(sub.id, sub.gen);
    return resultAt(answered, `A new link for ${sub.name} is on its way; older links no longer work.`);
  }, {
    validator: (req) => {
      const link = parsePayload('resendSubprocessorLink', req);
      refuseWhenClosed(state);
      pendingSubprocessorNamed(link.subprocessorId);
    },
  });

  wf.setHandler(subprocessorNews, async (news) => {
    const sub = subprocessorOf(news.subprocessorId);
    if (!sub || sub.certification || sub.waiver || isTerminal(state.status)) return;
    if (news.event === 'notice_sent') {
      sub.noticeSent = true;
      sub.lastNoticeAt = news.at;
      addEvent(state, news.at, 'mail_sent', 'system', `Notice sent to the subprocessor ${sub.name}, the vendor copied`);
    } else if (news.event === 'reminder_sent') {
      sub.reminders += 1;
      sub.lastNoticeAt = news.at;
      addEvent(state, news.at, 'reminder_sent', 'system', `Reminder ${sub.reminders} to the subprocessor ${sub.name}`);
    } else {
      sub.overdue = true;
      addEvent(state, news.at, 'task_overdue', 'system', `${sub.name}'s certification is overdue; the administrators are alerted`);
    }
    changed();
    await persist();
  });

  // ---- the district's actions -----------------------------------------------------------------------------

  /**
   * Everything the vendor owes is in: the statement is issued, unless the case asks legal staff to countersign
   * first (`input.legalSignoff`), which opens the district's countersignature task.
   */
  function readyForStatement(t: number): void {
    if (state.input.legalSignoff && !state.signoff) openTask(state, 'countersign', t, chores);
    else state.status = 'generating_statement';
  }

  wf.setHandler(messages.countersignStatement, async (req) => {
    const id = updateId('countersign', req.gen, 'countersignStatement');
    if (state.settledUpdates[id]) return repeated(id);
    const t = now();
    closeOpenTask(state, t, 'done');
    state.signoff = { by: req.actor, at: t, ...(req.note ? { note: req.note } : {}) };
    addEvent(state, t, 'statement_countersigned', req.actor, `Countersigned for the district by ${req.actor}${req.note ? `: ${req.note}` : ''}`);
    state.status = 'generating_statement';
    changed();
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, 'Countersigned for the district. The statement is being issued.'));
  }, {
    validator: (req) => {
      const signoff = parsePayload('countersignStatement', req);
      if (state.settledUpdates[updateId('countersign', signoff.gen, 'countersignStatement')]) return;
      refuseWhenClosed(state);
      const open = openTaskOf(state);
      if (open?.kind !== 'countersign') {
        refuse(messages.REFUSAL.wrongState, state.input.legalSignoff
          ? `the case does not wait for a countersignature now; it is ${state.status} (legal countersigns once the vendor's certification, backups and subprocessors are all in)`
          : 'this case was started without a countersignature by legal staff (legalSignoff)');
      }
      if (open.gen !== signoff.gen) refuse(messages.REFUSAL.staleLink, 'this countersignature answers an earlier request; reload the case');
    },
  });

  wf.setHandler(messages.reviewReturn, async (req) => {
    const id = updateId('review', req.gen, 'reviewReturn');
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
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return settle(id, resultAt(answered, req.decision === 'accept'
      ? 'Return accepted; the vendor is asked to certify destruction.'
      : 'Return rejected; the vendor is told why and asked to return the data again.'));
  }, {
    validator: (req) => {
      const review = parsePayload('reviewReturn', req);
      if (state.settledUpdates[updateId('review', review.gen, 'reviewReturn')]) return;
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
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return resultAt(answered, `${TASK_TITLES[task.kind]} is now due ${until}.`);
  }, {
    validator: (req) => {
      const extension = parsePayload('extendDeadline', req);
      refuseWhenClosed(state);
      const open = openTaskOf(state);
      if (open?.kind !== extension.task) refuse(messages.REFUSAL.wrongState, `the task "${TASK_TITLES[extension.task]}" is not open; the case is ${state.status}`);
      if (untilMs(extension.until) <= Math.max(open.dueAt, now())) {
        refuse(messages.REFUSAL.invalidPayload, `until: an extension must move the due time later than ${new Date(Math.max(open.dueAt, now())).toISOString()}`);
      }
      if (untilMs(extension.until) > now() + MAX_DEADLINE_MS) refuse(messages.REFUSAL.invalidPayload, 'until: an extension may reach at most 10 years ahead');
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
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return resultAt(answered, `A new link for "${TASK_TITLES[task.kind]}" is on its way to the vendor.`);
  }, {
    validator: (req) => {
      parsePayload('resendLink', req);
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
    run.cancelSlowStep();
    // The record owns the legal hold and each disposal checks it there (activities/dispose-data.ts); cases
    // before that decided here, from the hold this state last saw.
    if (wf.patched(LEGAL_HOLD_IN_RECORD) || !legalHoldOn(state)) {
      // Nothing the district has not accepted is kept once the case is cancelled (7400.1 II.C).
      chores.push({ id: 'dispose-staged-cancel', kind: 'dispose_staged' });
      const round = state.returnRounds.at(-1);
      if (round?.packageId && round.decision?.decision !== 'accept') {
        chores.push({ id: `dispose-package-${round.round}`, kind: 'dispose_package', packageId: round.packageId });
      }
    }
    chores.push({ id: 'cancellation', kind: 'mail', mail: { id: 'cancellation', kind: 'cancellation', reason: req.reason } });
    changed();
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    return resultAt(answered, 'Case cancelled.');
  }, { validator: (req) => { parsePayload('cancelCase', req); refuseWhenClosed(state); } });

  wf.setHandler(messages.setLegalHold, async (req) => {
    const t = now();
    state.legalHold.push({ on: req.on, reason: req.reason, by: req.actor, at: t });
    addEvent(state, t, req.on ? 'legal_hold_set' : 'legal_hold_released', req.actor, legalHoldSummary(req.on, req.reason));
    changed();
    // The answer names the status this action set: while the record is written the case may already move on.
    const answered = state.status;
    await persist();
    await run.forwardLegalHold(req.on);
    return resultAt(answered, legalHoldMessage(req.on));
  }, {
    validator: (req) => {
      const hold = parsePayload('setLegalHold', req);
      if (legalHoldOn(state) === hold.on) refuse(messages.REFUSAL.wrongState, `the legal hold is already ${hold.on ? 'on' : 'off'}`);
    },
  });

  // ---- the exceptions register -----------------------------------------------------------------------------

  wf.setHandler(messages.addException, async (req) => {
    const t = now();
    const exception = { id: `x${exceptionsOf(state).length + 1}`, kind: req.kind, scope: req.scope, reason: req.reason, ...(req.endsOn ? { endsOn: req.endsOn } : {}), addedBy: req.actor, addedAt: t };
    (state.exceptions ??= []).push(exception);
    addEvent(state, t, 'exception_added', req.actor, `Exception recorded: ${req.scope} (${req.reason})${req.endsOn ? `, until ${req.endsOn}` : ''}`);
    changed();
    const answered = state.status;
    await persist();
    await run.remindWhenExceptionEnds(exception);
    return resultAt(answered, 'Exception recorded.');
  }, {
    validator: (req) => {
      parsePayload('addException', req);
      refuseWhenClosed(state);
      if (state.certification) refuse(messages.REFUSAL.wrongState, 'the vendor has already certified destruction of all but the listed exceptions; an exception now would change what it certified');
    },
  });

  // ---- a vendor that went quiet (domain/enforcement.ts) ---------------------------------------------------

  wf.setHandler(messages.markNotCooperating, async (req) => {
    const t = now();
    (state.enforcement ??= []).push({ stage: 'not_cooperating', note: req.note, by: req.actor, at: t });
    addEvent(state, t, 'vendor_not_cooperating', req.actor, `Vendor marked as not cooperating: ${req.note}`);
    changed();
    const answered = state.status;
    await persist();
    return resultAt(answered, 'The vendor is marked as not cooperating.');
  }, { validator: (req) => { parsePayload('markNotCooperating', req); refuseEnforcement('not_cooperating'); } });

  wf.setHandler(messages.referToLegal, async (req) => {
    const t = now();
    (state.enforcement ??= []).push({ stage: 'referred_to_legal', note: req.note, by: req.actor, at: t });
    addEvent(state, t, 'referred_to_legal', req.actor, `Case referred to legal: ${req.note}`);
    chores.push({ id: 'referral', kind: 'mail', mail: { id: 'referral', kind: 'referral' } });
    changed();
    const answered = state.status;
    await persist();
    return resultAt(answered, 'The case is referred to legal; legal staff are emailed the referral letter.');
  }, { validator: (req) => { parsePayload('referToLegal', req); refuseEnforcement('referred_to_legal'); } });

  function refuseEnforcement(step: 'not_cooperating' | 'referred_to_legal'): void {
    const refusal = enforcementRefusal(state, step);
    if (refusal) refuse(messages.REFUSAL.wrongState, refusal);
  }

  wf.setHandler(messages.caseState, () => state);

  function requireTask(linkTask: string, expected: string): void {
    if (linkTask !== expected) refuse(messages.REFUSAL.wrongState, `this action belongs to the "${expected}" task, but the link is for "${linkTask}"`);
  }
}

function untilMs(text: string): number {
  return parseMoment(text)!; // validated by the schema before a handler runs
}
