// Every action a person takes on a case, one folder each (its declaration in action.ts, its workflow side in
// handler.ts). The server's routes and OpenAPI entries, the page forms' handling, the CLI's commands and usage and
// the API document's table loop over these two lists; actions/handlers.ts lists the handlers the workflow registers.
import type { z } from 'zod';
import { acknowledge } from './acknowledge/action';
import { backupRolloff } from './backup-rolloff/action';
import { cancel } from './cancel/action';
import { certify } from './certify/action';
import { countersign } from './countersign/action';
import { addException } from './exceptions/action';
import { extend } from './extend/action';
import { decideExtension, requestExtension } from './extension-request/action';
import type { StaffAction, VendorAction } from './kit';
import { legalHold } from './legal-hold/action';
import { markNotCooperating } from './not-cooperating/action';
import { referToLegal } from './refer-to-legal/action';
import { resendLink } from './resend-link/action';
import { review } from './review/action';
import { roster } from './roster/action';
import { storageLimit } from './storage-limit/action';
import { certifySubprocessor } from './subprocessor-certify/action';
import { resendSubprocessorLink } from './subprocessor-link/action';
import { submitReturn } from './submit-return/action';
import { waiveSubprocessor } from './waive-subprocessor/action';

export {
  ActionUsageError,
  type CliValues,
  type StaffAction,
  type StaffActionDeclaration,
  type UploadedFile,
  type VendorAction,
  type VendorActionDeclaration,
} from './kit';
export type { Outcome } from './handler-kit';

export const STAFF_ACTIONS = {
  review,
  extend,
  resendLink,
  cancel,
  addException,
  markNotCooperating,
  referToLegal,
  waiveSubprocessor,
  resendSubprocessorLink,
  countersign,
  legalHold,
  decideExtension,
  storageLimit,
  roster,
} satisfies Record<string, StaffAction>;

export const VENDOR_ACTIONS = {
  acknowledge,
  submitReturn,
  certify,
  certifySubprocessor,
  backupRolloff,
  requestExtension,
} satisfies Record<string, VendorAction>;

export type StaffActionName = keyof typeof STAFF_ACTIONS;
export type VendorActionName = keyof typeof VENDOR_ACTIONS;
type AnyAction = (typeof STAFF_ACTIONS)[StaffActionName] | (typeof VENDOR_ACTIONS)[VendorActionName];
export type UpdateName = AnyAction['update'];

/** An update's payload as the workflow receives it. */
export type RequestOf<U extends UpdateName> = z.infer<Extract<AnyAction, { update: U }>['message']>;

/** The payload schema of an update, for the workflow's validator. */
export function messageSchemaOf(update: UpdateName): z.ZodType {
  const found = [...Object.values(STAFF_ACTIONS), ...Object.values(VENDOR_ACTIONS)].find((a) => a.update === update);
  if (!found) throw new Error(`no action sends the update ${update}`);
  return found.message;
}
