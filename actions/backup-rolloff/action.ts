import { backupRolloffSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { link, vendor } from '../kit';
import { backupRolloffOutcomes } from './handler';

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
  payload: (body) => body,
});
