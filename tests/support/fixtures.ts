import type { CaseInput } from '../../domain/case-input';
import type { Certification } from '../../domain/certification';
import { dayOf } from '../../domain/dates';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

let contracts = 0;

/**
 * A case input; each names a contract of its own unless told (a second open case for a vendor's contract is refused
 * as a likely mistake): CT-2024-017, CT-2024-018, … in the order asked.
 */
export function caseInput(overrides: DeepPartial<CaseInput> & { deadlines?: CaseInput['deadlines'] } = {}): CaseInput {
  const base: CaseInput = {
    contract: {
      id: `CT-2024-${String(17 + contracts++).padStart(3, '0')}`,
      title: 'Reading practice platform',
      terminationDate: '2026-11-30',
      agreement: 'ndpa',
    },
    vendor: {
      name: 'Acme Learning Inc.',
      contactEmail: 'privacy@acme-learning.example',
      contactName: 'Dana Whitfield',
    },
    service: { name: 'Acme Reader', url: 'https://reader.acme-learning.example' },
    disposition: {
      option: 'return_then_destroy',
      extent: 'complete',
      categories: [{ key: 'permanent', expectedRecords: 3 }, { key: 'electronic' }],
    },
    trackingMechanisms: [
      { name: 'acme_session cookie', kind: 'cookie' },
      { name: 'Acme Reader iPad SDK', kind: 'sdk' },
    ],
  };
  return {
    ...base,
    ...overrides,
    contract: { ...base.contract, ...overrides.contract },
    vendor: { ...base.vendor, ...overrides.vendor },
    service: { ...base.service, ...overrides.service },
    disposition: { ...base.disposition, ...(overrides.disposition as CaseInput['disposition']) },
  };
}

export function certification(
  input: CaseInput,
  overrides: {
    backups?: Certification['destruction']['backups'];
    subprocessors?: Certification['destruction']['subprocessors'];
  } = {},
): Certification {
  const today = dayOf(Date.now());
  return {
    destruction: {
      signatoryName: 'Morgan Reyes',
      signatoryTitle: 'Chief Privacy Officer',
      signatoryEmail: 'morgan.reyes@acme-learning.example',
      completedOn: today,
      method: 'purge',
      technique: 'Cryptographic erase of the tenant keys; database rows deleted and storage volumes re-keyed',
      verification: 'Restore attempt from the erased volumes failed; deletion logs reviewed by a second engineer',
      backups: overrides.backups ?? { destroyed: true },
      subprocessors: overrides.subprocessors ?? [],
      accountsClosed: true,
      attestation: true,
    },
    tracking: {
      mechanisms: (input.trackingMechanisms ?? []).map((m) => ({ ...m, removedOn: today })),
      ...((input.trackingMechanisms ?? []).length === 0 ? { noneInUse: true } : {}),
      collectedDataDestroyed: true,
      attestation: true,
    },
  };
}
