// The vendor certifies the destruction of every known copy (7400.1 III.C) and the removal of its tracking
// mechanisms (IV.A); subprocessors it names are asked to certify their own (a child workflow each).
import * as wf from '@temporalio/workflow';
import type { SubprocessorState } from '../../domain/case-state';
import { certificationReceived, pendingSubprocessors } from '../../domain/case-state';
import { addEvent, closeOpenTask, readyForStatement } from '../../domain/case-state-changes';
import { certificationProblems, taskDurationMs } from '../../domain/lifecycle';
import { byLink, checkVendorLink, handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** Subprocessors named in a certification certify on their own (child workflows); cases before named dates. */
const SUBPROCESSOR_CASCADE = 'subprocessor-cascade';

/** What the page and the API answer say once it is done, by outcome. */
export const certifyOutcomes = {
  certified: { title: 'Certification received', text: certificationReceived },
} satisfies Record<string, Outcome>;

export const certifyHandler = handler({
  update: 'certify',
  outcomes: certifyOutcomes,
  settledId: byLink('certify'),
  validate: ({ state, now }, { link, certification }) => {
    checkVendorLink(state, link, 'certify');
    const problems = certificationProblems(state, certification, now());
    if (problems.length) refuse(REFUSAL.invalidPayload, problems.join('\n'));
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    state.certification = {
      ...req.certification,
      at: t,
      ...(req.signatoryCheck ? { signatoryCheck: req.signatoryCheck } : {}),
    };
    const { destruction } = req.certification;
    addEvent(
      state,
      t,
      'destruction_certified',
      'vendor',
      `Destruction certified by ${destruction.signatoryName}, ${destruction.signatoryTitle} (completed ${destruction.completedOn}, NIST SP 800-88 ${destruction.method}); tracking mechanisms removed`,
    );
    if (destruction.subprocessors.length && wf.patched(SUBPROCESSOR_CASCADE)) {
      const dueAt = t + taskDurationMs(state.input, 'certify');
      state.subprocessors = destruction.subprocessors.map((named, index): SubprocessorState => ({
        id: `s${index + 1}`,
        name: named.name,
        contactEmail: named.contactEmail,
        ...(named.contactName ? { contactName: named.contactName } : {}),
        gen: 1,
        openedAt: t,
        dueAt,
        noticeSent: false,
        reminders: 0,
        overdue: false,
      }));
      addEvent(
        state,
        t,
        'subprocessors_asked',
        'vendor',
        `Subprocessors asked to certify their own destruction: ${state.subprocessors.map((s) => s.name).join(', ')}`,
      );
      for (const sub of state.subprocessors)
        chores.push({ id: `follow-up-${sub.id}`, kind: 'follow_up_subprocessor', subprocessorId: sub.id });
    }
    if (!destruction.backups.destroyed) state.status = 'awaiting_backup_rolloff';
    else if (pendingSubprocessors(state).length) state.status = 'awaiting_subprocessors';
    else readyForStatement(state, t, chores);
    return 'certified';
  },
});
