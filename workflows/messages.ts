import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestOf, UpdateName } from '../domain/actions';
import type { ActionResult, CaseState } from '../domain/case-state';

/**
 * The update an action sends, typed by its declaration (domain/actions.ts). Shared by the workflow, the HTTP
 * server, the CLI and the tests; the declarations themselves are imported for their types only.
 */
export const actionUpdate = <U extends UpdateName>(name: U): UpdateDefinition<ActionResult, [RequestOf<U>], U> => defineUpdate<ActionResult, [RequestOf<U>], U>(name);

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

/** Failure types of refused updates; the API maps them to HTTP statuses. */
export const REFUSAL = {
  invalidPayload: 'invalid_payload',
  wrongState: 'wrong_state',
  staleLink: 'stale_link',
} as const;
export type RefusalType = (typeof REFUSAL)[keyof typeof REFUSAL];

/**
 * The patch under which the record owns the legal hold (CaseRecordStore.setLegalHold): disposals and the end of
 * retention are decided against the record by their activities, not against the hold a workflow last saw.
 */
export const LEGAL_HOLD_IN_RECORD = 'legal-hold-in-record';

/** The record's legal hold changed (CaseService): a case keeping disposals for it looks again. */
export const legalHoldChanged = defineSignal<[{ on: boolean }]>('legalHoldChanged');
