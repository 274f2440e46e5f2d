import { subprocessorLinkSchema } from '../../domain/certification';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { resendSubprocessorLinkOutcomes } from './handler';

export const resendSubprocessorLink = staff({
  path: 'subprocessor-link',
  update: 'resendSubprocessorLink',
  summary: 'Email a subprocessor a new link, to a corrected address when given; its older links stop working',
  roles: ['admin'],
  body: subprocessorLinkSchema,
  message: subprocessorLinkSchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { subprocessorId: 'text', contactEmail: 'text' }),
  refill: () => 'subprocessor-link',
  outcomes: resendSubprocessorLinkOutcomes,
  outcome: () => 'subprocessor-link-sent',
  cli: {
    name: 'subprocessor-link',
    usage: '--subprocessor ID [--email E]',
    help: 'email a subprocessor a new link (to a corrected address)',
    options: { subprocessor: 'string', email: 'string' },
    body: (values) => ({
      subprocessorId: cliText(values, 'subprocessor'),
      ...(typeof values.email === 'string' ? { contactEmail: values.email } : {}),
    }),
  },
  send: (state, body, by) => {
    const gen = state.subprocessors?.find((s) => s.id === body.subprocessorId)?.gen ?? 0;
    return {
      payload: { ...body, actor: by },
      updateId: updateId('subprocessor_certify', gen, `resendSubprocessorLink-${body.subprocessorId}`),
    };
  },
});
