import { exceptionsOf } from '../../domain/case-state';
import { exceptionSchema } from '../../domain/case-input';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff, textHash } from '../kit';
import { addExceptionOutcomes } from './handler';

export const addException = staff({
  path: 'exceptions',
  update: 'addException',
  summary:
    'Record data the vendor may keep, and why (the exceptions register); the certification confirms all but these, and the statement lists them',
  roles: ['admin'],
  body: exceptionSchema,
  message: exceptionSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { kind: 'text', scope: 'text', reason: 'text', endsOn: 'text' }),
  refill: () => 'exceptions',
  outcomes: addExceptionOutcomes,
  outcome: () => 'exception-added',
  cli: {
    name: 'exception',
    usage: '--kind K --scope S --reason R [--ends-on DATE]',
    help: 'record data the vendor may keep, and why',
    options: { kind: 'string', scope: 'string', reason: 'string', 'ends-on': 'string' },
    body: (values) => ({
      kind: cliText(values, 'kind'),
      scope: cliText(values, 'scope'),
      reason: cliText(values, 'reason'),
      ...(typeof values['ends-on'] === 'string' ? { endsOn: values['ends-on'] } : {}),
    }),
  },
  // One id per exception as written: a repeat of the same request answers once; two different ones both count.
  send: (state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', exceptionsOf(state).length + 1, `addException-${textHash(JSON.stringify(body))}`),
  }),
});
