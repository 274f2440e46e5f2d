import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestOf, UpdateName } from '../actions/registry';
import type { ActionResult, CaseState } from '../domain/case-state';

/**
 * The update an action sends, typed by its declaration (actions/<name>/action.ts). Shared by the workflow, the HTTP
 * server, the CLI and the tests; the declarations themselves are imported for their types only.
 */
export const actionUpdate = <U extends UpdateName>(name: U): UpdateDefinition<ActionResult, [RequestOf<U>], U> =>
  defineUpdate<ActionResult, [RequestOf<U>], U>(name);

export const acknowledgeNotice = actionUpdate('acknowledgeNotice');
export const submitReturn = actionUpdate('submitReturn');
export const reviewReturn = actionUpdate('reviewReturn');
export const certify = actionUpdate('certify');
export const confirmBackupRolloff = actionUpdate('confirmBackupRolloff');
export const extendDeadline = actionUpdate('extendDeadline');
export const resendLink = actionUpdate('resendLink');
export const cancelCase = actionUpdate('cancelCase');
export const setLegalHold = actionUpdate('setLegalHold');
export const markNotCooperating = actionUpdate('markNotCooperating');
export const addException = actionUpdate('addException');
export const referToLegal = actionUpdate('referToLegal');
export const certifySubprocessor = actionUpdate('certifySubprocessor');
export const waiveSubprocessor = actionUpdate('waiveSubprocessor');
export const countersignStatement = actionUpdate('countersignStatement');
export const resendSubprocessorLink = actionUpdate('resendSubprocessorLink');

export const caseState = defineQuery<CaseState>('caseState');

export { REFUSAL, type RefusalType } from '../actions/handler-kit';

export { LEGAL_HOLD_IN_RECORD } from '../actions/cancel/handler';

/** The record's legal hold changed (CaseService): a case keeping disposals for it looks again. */
export const legalHoldChanged = defineSignal<[{ on: boolean }]>('legalHoldChanged');
