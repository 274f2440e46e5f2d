import { backupRolloffSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { link, vendor } from '../kit';
import { backupRolloffOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { readableDay } from '../../domain/dates';

export const backupRolloff = vendor({
  path: 'backup-rolloff',
  task: 'confirm_backup_rolloff',
  update: 'confirmBackupRolloff',
  summary: 'Confirm that backups rolled off',
  body: backupRolloffSchema,
  message: backupRolloffSchema.extend(link),
  fromForm: (form) => flatFormBody(form, { confirmedOn: 'text', attestation: 'boolean' }),
  outcomes: backupRolloffOutcomes,
  outcome: () => 'rolled-off',
  page: ({ base, view, value, problem }) => html`
<form method="post" action="${base}/backup-rolloff" class="card">
  <p>You certified that backups holding the district's data would roll off on ${typeof view.rollOffDate === 'string' ? readableDay(view.rollOffDate) : 'the date you gave'}. Please confirm that they have.</p>
  <label for="confirmedOn">Date the backups rolled off</label><input type="date" id="confirmedOn" name="confirmedOn" value="${value('confirmedOn')}" required>${problem('confirmedOn')}
  <label class="check"><input type="checkbox" name="attestation" value="true" required> I confirm that every backup holding district data has rolled off and is destroyed.</label>${problem('attestation')}
  <p><button type="submit">Confirm</button></p>
</form>`,
  payload: (body) => body,
});
