import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Search attributes bypass the payload codec: they hold these fields and nothing else (no person's data).
export const CaseStatusKey = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const VendorNameKey = defineSearchAttributeKey('VendorName', SearchAttributeType.KEYWORD);
export const ContractIdKey = defineSearchAttributeKey('ContractId', SearchAttributeType.KEYWORD);
export const OverdueKey = defineSearchAttributeKey('Overdue', SearchAttributeType.BOOL);
export const DueAtKey = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
