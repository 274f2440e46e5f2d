import { z } from 'zod';
import { countersignBodySchema } from '../../domain/api';
import { latestTask } from '../../domain/case-state';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, staff } from '../kit';
import { countersignOutcomes } from './handler';

export const countersign = staff({
  path: 'countersign',
  update: 'countersignStatement',
  summary:
    'Countersign for the district (cases started with legalSignoff): after the vendor certified, legal staff review and countersign; only then is the statement issued, naming who countersigned and when',
  roles: ['legal'],
  body: countersignBodySchema,
  /** `gen` is the countersignature task this answers (a later one, after a reopening, needs its own). */
  message: countersignBodySchema.extend({ gen: z.number().int().positive(), ...actor }),
  fromForm: (form) => flatFormBody(form, { attestation: 'boolean', note: 'text' }),
  refill: () => 'countersign',
  outcomes: countersignOutcomes,
  outcome: () => 'countersigned',
  cli: {
    name: 'sign',
    usage: '[--note N]',
    help: 'countersign for the district (legal staff), after the vendor certified',
    options: { note: 'string' },
    body: (values) => ({ attestation: true, ...(typeof values.note === 'string' ? { note: values.note } : {}) }),
  },
  send: (state, body, by) => {
    const gen = latestTask(state, 'countersign')?.gen ?? 1;
    return { payload: { ...body, gen, actor: by }, updateId: updateId('countersign', gen, 'countersignStatement') };
  },
});
