import { acknowledgeBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { link, vendor } from '../kit';
import { acknowledgeOutcomes } from './handler';

export const acknowledge = vendor({
  path: 'acknowledge',
  task: 'acknowledge',
  update: 'acknowledgeNotice',
  summary: 'Acknowledge the notice',
  body: acknowledgeBodySchema,
  message: acknowledgeBodySchema.extend(link),
  fromForm: (form) => flatFormBody(form, { contactName: 'text', contactEmail: 'text', contactTitle: 'text' }),
  outcomes: acknowledgeOutcomes,
  outcome: () => 'acknowledged',
  payload: (body) => body,
});
