// The vendor confirms that the backups it could not erase at once have rolled off (7400.1 III.C, every copy).
import { pendingSubprocessors } from '../../domain/case-state';
import { addEvent, closeOpenTask, readyForStatement } from '../../domain/case-state-changes';
import { backupRolloffProblems } from '../../domain/lifecycle';
import { byLink, checkVendorLink, handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const backupRolloffOutcomes = {
  'rolled-off': {
    title: 'Confirmation received',
    text: () => 'Confirmation received. The final statement will be emailed to you.',
  },
} satisfies Record<string, Outcome>;

export const backupRolloffHandler = handler({
  update: 'confirmBackupRolloff',
  outcomes: backupRolloffOutcomes,
  settledId: byLink('confirmBackupRolloff'),
  validate: ({ state, now }, req) => {
    checkVendorLink(state, req.link, 'confirm_backup_rolloff');
    const problems = backupRolloffProblems(state, req, now());
    if (problems.length) refuse(REFUSAL.invalidPayload, problems.join('\n'));
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    state.backupRolloff = { confirmedOn: req.confirmedOn, attestation: req.attestation, at: t };
    addEvent(state, t, 'backups_rolled_off', 'vendor', `Backups confirmed rolled off on ${req.confirmedOn}`);
    if (pendingSubprocessors(state).length) state.status = 'awaiting_subprocessors';
    else readyForStatement(state, t, chores);
    return 'rolled-off';
  },
});
