export { terminationCase } from './termination-case';
export type { TerminationCaseParams, CaseOutcome } from './termination-case';
