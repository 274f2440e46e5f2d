import { enforcementBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { markNotCooperatingOutcomes } from './handler';

export const markNotCooperating = staff({
  path: 'not-cooperating',
  update: 'markNotCooperating',
  summary: 'Mark the vendor as not cooperating (its open task overdue and escalated), with a note',
  roles: ['admin'],
  body: enforcementBodySchema,
  message: enforcementBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { note: 'text' }),
  refill: () => 'not-cooperating',
  outcomes: markNotCooperatingOutcomes,
  outcome: () => 'not-cooperating',
  cli: {
    name: 'not-cooperating',
    usage: '--note N',
    help: 'mark the vendor as not cooperating (an overdue, escalated task)',
    options: { note: 'string' },
    body: (values) => ({ note: cliText(values, 'note') }),
  },
  send: (_state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', 0, 'markNotCooperating'),
  }),
});
