import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ActionResult, CaseState } from '../domain/case-state';
import type {
  AcknowledgeRequest,
  CancelCaseRequest,
  CertifyRequest,
  ConfirmBackupRolloffRequest,
  ExtendDeadlineRequest,
  LegalHoldRequest,
  ResendLinkRequest,
  ReviewRequest,
  SubmitReturnRequest,
} from '../domain/messages';

// Shared by the workflow, the HTTP server, the CLI and the tests.
export const acknowledgeNotice = defineUpdate<ActionResult, [AcknowledgeRequest]>('acknowledgeNotice');
export const submitReturn = defineUpdate<ActionResult, [SubmitReturnRequest]>('submitReturn');
export const reviewReturn = defineUpdate<ActionResult, [ReviewRequest]>('reviewReturn');
export const certify = defineUpdate<ActionResult, [CertifyRequest]>('certify');
export const confirmBackupRolloff = defineUpdate<ActionResult, [ConfirmBackupRolloffRequest]>('confirmBackupRolloff');
export const extendDeadline = defineUpdate<ActionResult, [ExtendDeadlineRequest]>('extendDeadline');
export const resendLink = defineUpdate<ActionResult, [ResendLinkRequest]>('resendLink');
export const cancelCase = defineUpdate<ActionResult, [CancelCaseRequest]>('cancelCase');
export const setLegalHold = defineUpdate<ActionResult, [LegalHoldRequest]>('setLegalHold');

export const caseState = defineQuery<CaseState>('caseState');

/** Failure types of refused updates; the API maps them to HTTP statuses. */
export const REFUSAL = {
  invalidPayload: 'invalid_payload',
  wrongState: 'wrong_state',
  staleLink: 'stale_link',
} as const;
export type RefusalType = (typeof REFUSAL)[keyof typeof REFUSAL];
