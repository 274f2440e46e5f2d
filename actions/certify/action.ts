import { z } from 'zod';
import {
  certificationBodyDocSchema,
  certificationBodySchema,
  certificationSchema,
  signatoryCheckSchema,
} from '../../domain/certification';
import { certificationFromForm } from './form-fields';
import { link, vendor } from '../kit';
import { certifyOutcomes } from './handler';
import { certifyPage } from './page';
import { certificationProblems } from '../../domain/lifecycle';

export const certify = vendor({
  path: 'certify',
  task: 'certify',
  update: 'certify',
  summary: 'Certify destruction (III.C) and removal of tracking mechanisms (IV.A)',
  body: certificationBodySchema,
  bodyDoc: certificationBodyDocSchema,
  message: z.object({ ...link, certification: certificationSchema, signatoryCheck: signatoryCheckSchema.optional() }),
  fromForm: certificationFromForm,
  signatory: (body) => ({
    email: body.destruction.signatoryEmail,
    ...(body.verificationCode ? { code: body.verificationCode } : {}),
  }),
  outcomes: certifyOutcomes,
  outcome: () => 'certified',
  page: certifyPage,
  payload: ({ verificationCode: _code, ...certification }) => ({ certification }),
  problems: (state, { verificationCode: _code, ...certification }, now) =>
    certificationProblems(state, certification, now),
});
