// The workflow's side of every action (each folder's handler.ts), registered by workflows/register-actions.ts.
// Deterministic code only: the workflow bundle loads this module. A test checks that every update an action of
// actions/registry.ts sends has its handler here.
import { acknowledgeHandler } from './acknowledge/handler';
import { backupRolloffHandler } from './backup-rolloff/handler';
import { cancelHandler } from './cancel/handler';
import { certifyHandler } from './certify/handler';
import { countersignHandler } from './countersign/handler';
import { addExceptionHandler } from './exceptions/handler';
import { extendHandler } from './extend/handler';
import { decideExtensionHandler, requestExtensionHandler } from './extension-request/handler';
import type { ActionHandler } from './handler-kit';
import { legalHoldHandler } from './legal-hold/handler';
import { markNotCooperatingHandler } from './not-cooperating/handler';
import { referToLegalHandler } from './refer-to-legal/handler';
import { resendLinkHandler } from './resend-link/handler';
import { reviewHandler } from './review/handler';
import { rosterHandler } from './roster/handler';
import { storageLimitHandler } from './storage-limit/handler';
import { subprocessorCertifyHandler } from './subprocessor-certify/handler';
import { resendSubprocessorLinkHandler } from './subprocessor-link/handler';
import { submitReturnHandler } from './submit-return/handler';
import { waiveSubprocessorHandler } from './waive-subprocessor/handler';

// Each handler is typed by its own update; the list holds them all.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ACTION_HANDLERS: ActionHandler<any>[] = [
  acknowledgeHandler,
  submitReturnHandler,
  certifyHandler,
  backupRolloffHandler,
  subprocessorCertifyHandler,
  waiveSubprocessorHandler,
  resendSubprocessorLinkHandler,
  countersignHandler,
  reviewHandler,
  storageLimitHandler,
  rosterHandler,
  extendHandler,
  resendLinkHandler,
  cancelHandler,
  legalHoldHandler,
  addExceptionHandler,
  markNotCooperatingHandler,
  referToLegalHandler,
  requestExtensionHandler,
  decideExtensionHandler,
];
