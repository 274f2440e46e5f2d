// The terms a case is started with, as words and defaults: the categories of records a district may ask for,
// the kinds of tracking mechanism, the default deadlines. No zod here (domain/case-input.ts has the schema):
// workflow code imports this module, and each workflow in the worker's cache would build its own schemas.
import type { CaseInput } from './case-input';

/** Categories the district may ask for: II.C's records, and its requests under I.C, I.D and I.H. */
export const KNOWN_CATEGORIES = {
  permanent: {
    label: 'Permanent student records',
    clause: 'II.C',
    explains: 'records the district keeps permanently, such as identity, enrolment, grades and transcripts',
  },
  subsidiary: {
    label: 'Subsidiary student records',
    clause: 'II.C',
    explains: 'working records such as assessments, attendance, discipline and teacher notes',
  },
  special_education: {
    label: 'Special education records',
    clause: 'II.C',
    explains: 'evaluations, IEPs, 504 plans and related service records',
  },
  electronic: {
    label: 'Electronic student records',
    clause: 'II.C',
    explains:
      'everything else the service holds about students in electronic form: uploads, messages, usage and account data',
  },
  intrusion_analysis: {
    label: 'Intrusion analysis',
    clause: 'I.C',
    explains: 'dates, times and places (IP addresses) of intrusions or attempted intrusions into the service',
  },
  access_log: {
    label: 'Access log',
    clause: 'I.D',
    explains: "the log of every request for access to any student's information",
  },
  policies: {
    label: 'Policies, licence agreements and encryption certificates',
    clause: 'I.H',
    explains: 'privacy policies, end-user licence agreements and encryption certificates that applied to the district',
  },
} as const;
export type KnownCategory = keyof typeof KNOWN_CATEGORIES;

/** Data the vendor may keep past the case (the exceptions register), each for a reason the contract or the law allows. */
export const EXCEPTION_KINDS = {
  deidentified: 'De-identified data (NDPA: data that can no longer identify a student)',
  student_accounts: 'Accounts students keep, with their own consent',
  vendor_legal_hold: "A legal hold on the vendor's side",
  retention_law: 'A law that requires the vendor to retain it',
} as const;
export type ExceptionKind = keyof typeof EXCEPTION_KINDS;

export const TRACKING_KINDS = ['cookie', 'sdk', 'pixel', 'local_storage', 'sso_app', 'other'] as const;

export const DEFAULT_DEADLINES = {
  acknowledge: '10 days',
  return: '60 days',
  review: '14 days',
  certify: '30 days',
  reminderEvery: '7 days',
} as const;

export type Deadlines = { [K in keyof typeof DEFAULT_DEADLINES]: string };
export const deadlinesOf = (input: CaseInput): Deadlines => ({ ...DEFAULT_DEADLINES, ...input.deadlines });

export function categoryLabel(category: { key: string; label?: string }): string {
  return category.label ?? (KNOWN_CATEGORIES as Record<string, { label: string }>)[category.key]?.label ?? category.key;
}
