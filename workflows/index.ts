export { terminationCase } from './termination-case';
export type { TerminationCaseParams, CaseOutcome } from './termination-case';
export { packageRetention } from './package-retention';
export { webhookDelivery } from './webhook-delivery';
export { bulkStart } from './bulk-start';
export { exceptionReminder } from './exception-reminder';
export { subprocessorFollowUp } from './subprocessor-follow-up';
export { auditCheckpoint } from './audit-checkpoint';
