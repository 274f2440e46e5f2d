import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The search attributes of a case, and their Temporal types (docs/architecture.md): no person's data, ever. */
export const SEARCH_ATTRIBUTES = {
  CaseStatus: 'Keyword',
  VendorName: 'Keyword',
  ContractId: 'Keyword',
  Overdue: 'Bool',
  DueAt: 'Datetime',
} as const;

// The typed keys of the same attributes. Search attributes bypass the payload codec: they hold these fields and nothing else (no person's data).
export const CaseStatusKey = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const VendorNameKey = defineSearchAttributeKey('VendorName', SearchAttributeType.KEYWORD);
export const ContractIdKey = defineSearchAttributeKey('ContractId', SearchAttributeType.KEYWORD);
export const OverdueKey = defineSearchAttributeKey('Overdue', SearchAttributeType.BOOL);
export const DueAtKey = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
