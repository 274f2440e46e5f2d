import { cancelBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { cancelOutcomes } from './handler';

export const cancel = staff({
  path: 'cancel',
  update: 'cancelCase',
  summary: 'Cancel the case',
  roles: ['admin'],
  body: cancelBodySchema,
  message: cancelBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { reason: 'text' }),
  refill: () => 'cancel',
  outcomes: cancelOutcomes,
  outcome: () => 'cancelled',
  cli: {
    name: 'cancel',
    usage: '--reason R',
    help: 'cancel the case',
    options: { reason: 'string' },
    body: (values) => ({ reason: cliText(values, 'reason') }),
  },
  send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'cancelCase') }),
});
