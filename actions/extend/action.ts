import { extendBodySchema } from '../../domain/api';
import { openTaskOf } from '../../domain/case-state';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { extendOutcomes } from './handler';

export const extend = staff({
  path: 'extend',
  update: 'extendDeadline',
  summary: 'Move the due time of the open task',
  roles: ['admin'],
  body: extendBodySchema,
  message: extendBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { task: 'text', until: 'text', reason: 'text' }),
  refill: () => 'extend',
  outcomes: extendOutcomes,
  outcome: () => 'extended',
  cli: {
    name: 'extend',
    usage: '--task T --until DATE --reason R',
    help: 'move the due time of the open task',
    options: { task: 'string', until: 'string', reason: 'string' },
    body: (values) => ({
      task: cliText(values, 'task'),
      until: cliText(values, 'until'),
      reason: cliText(values, 'reason'),
    }),
  },
  send: (state, body, by) => {
    const open = openTaskOf(state);
    return {
      payload: { ...body, actor: by },
      updateId: `${updateId(open?.kind ?? 'case', open?.gen ?? 0, 'extendDeadline')}-${body.until}`,
    };
  },
});
