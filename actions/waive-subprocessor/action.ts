import { subprocessorWaiverSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { waiveSubprocessorOutcomes } from './handler';

export const waiveSubprocessor = staff({
  path: 'waive-subprocessor',
  update: 'waiveSubprocessor',
  summary:
    "Let the case finish without one subprocessor's certification, saying why (the statement shows the waiver and its reason)",
  roles: ['admin'],
  body: subprocessorWaiverSchema,
  message: subprocessorWaiverSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', reason: 'text' }),
  refill: () => 'waive-subprocessor',
  outcomes: waiveSubprocessorOutcomes,
  outcome: () => 'subprocessor-waived',
  cli: {
    name: 'waive-subprocessor',
    usage: '--subprocessor ID --reason R',
    help: "let the case finish without a subprocessor's certification, saying why",
    options: { subprocessor: 'string', reason: 'string' },
    body: (values) => ({ subprocessorId: cliText(values, 'subprocessor'), reason: cliText(values, 'reason') }),
  },
  send: (_state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: updateId('case', 0, `waiveSubprocessor-${body.subprocessorId}`),
  }),
});
