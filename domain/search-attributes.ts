/** The search attributes of a case, and their Temporal types (docs/architecture.md): no person's data, ever. */
export const SEARCH_ATTRIBUTES = {
  CaseStatus: 'Keyword',
  VendorName: 'Keyword',
  ContractId: 'Keyword',
  Overdue: 'Bool',
  DueAt: 'Datetime',
} as const;
