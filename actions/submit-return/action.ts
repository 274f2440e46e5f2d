import { z } from 'zod';
import { submitReturnBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { stagedFileRefSchema } from '../../domain/messages';
import { link, vendor } from '../kit';
import { submitReturnOutcomes } from './handler';

export const submitReturn = vendor({
  path: 'submit-return',
  task: 'return',
  update: 'submitReturn',
  summary: 'Finish the return',
  body: submitReturnBodySchema,
  message: submitReturnBodySchema.extend({
    ...link,
    files: z.array(stagedFileRefSchema).min(1, 'stage at least one file before submitting the return').max(100_000),
  }),
  fromForm: (form) => flatFormBody(form, { note: 'text' }),
  outcomes: submitReturnOutcomes,
  outcome: () => 'returned',
  payload: (body) => (body.note ? { note: body.note } : {}),
  status: 202,
  withStagedFiles: true,
});
