import { z } from 'zod';
import {
  signatoryCheckSchema,
  subprocessorCertificationBodySchema,
  subprocessorCertificationSchema,
} from '../../domain/certification';
import { subprocessorCertificationFromForm } from '../certify/form-fields';
import { link, vendor } from '../kit';
import { subprocessorCertifyOutcomes } from './handler';
import { subprocessorCertifyPage } from '../certify/page';
import { subprocessorCertificationProblems } from '../../domain/lifecycle';

export const certifySubprocessor = vendor({
  path: 'subprocessor-certify',
  task: 'subprocessor_certify',
  update: 'certifySubprocessor',
  summary:
    "A subprocessor the vendor named certifies the destruction of the district's data it held (through its own link)",
  body: subprocessorCertificationBodySchema,
  message: z.object({
    ...link,
    certification: subprocessorCertificationSchema,
    signatoryCheck: signatoryCheckSchema.optional(),
  }),
  fromForm: subprocessorCertificationFromForm,
  signatory: (body) => ({
    email: body.signatoryEmail,
    ...(body.verificationCode ? { code: body.verificationCode } : {}),
  }),
  outcomes: subprocessorCertifyOutcomes,
  outcome: () => 'subprocessor-certified',
  page: subprocessorCertifyPage,
  payload: ({ verificationCode: _code, ...certification }) => ({ certification }),
  problems: (state, { verificationCode: _code, ...certification }, now) =>
    subprocessorCertificationProblems(state, certification, now),
});
