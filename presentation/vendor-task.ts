// What a vendor sees through a link: the open task and what it needs, read from the case record (no student data).
// The API answers it as JSON; the vendor's page draws it, each task's part in its action's folder (`page`).
import { isoOrNull } from '../domain/dates';
import { categoryLabel, EXCEPTION_KINDS, KNOWN_CATEGORIES } from '../domain/case-terms';
import { exceptionsOf, subprocessorsOf, type CaseState } from '../domain/case-state';
import { certificationFloor } from '../domain/lifecycle';
import { lifecycleView } from './lifecycle-view';
import { linkTaskTitle, TASK_TITLES, type CaseStatus, type LinkTaskKind, type TaskKind } from '../domain/statuses';
import { html, type Markup } from './markup';

/** What the view is made from: the case record's row and state (infra's CaseRecord is one). */
export interface VendorTaskSource {
  caseId: string;
  status: CaseStatus;
  state: CaseState;
  openTask?: { kind: TaskKind; dueAt: number };
  overdue: boolean;
}

/** A file the vendor staged for its return (infra's StagedFile is one). */
export interface StagedFileSummary {
  fileId: string;
  name: string;
  category: string;
  bytes: number;
  sha256: string;
  records?: number;
}

const iso = isoOrNull;

/** The task a link opens (a subprocessor's link, `sub`, opens that subprocessor's certification). */
export function vendorTaskView(
  record: VendorTaskSource,
  districtName: string,
  staged: StagedFileSummary[] = [],
  link: { sub?: string | undefined } = {},
) {
  const { state } = record;
  const { input } = state;
  const sub = link.sub ? subprocessorsOf(state).find((s) => s.id === link.sub) : undefined;
  const task = sub
    ? {
        kind: 'subprocessor_certify' as LinkTaskKind,
        title: linkTaskTitle('subprocessor_certify'),
        dueAt: iso(sub.dueAt)!,
        overdue: sub.overdue,
      }
    : {
        kind: record.openTask!.kind as LinkTaskKind,
        title: TASK_TITLES[record.openTask!.kind],
        dueAt: iso(record.openTask!.dueAt)!,
        overdue: record.overdue,
      };
  const lastRound = state.returnRounds.at(-1);
  return {
    caseId: record.caseId,
    status: record.status,
    lifecycle: lifecycleView(state),
    task,
    /** On a subprocessor's link: which subprocessor certifies. */
    ...(sub ? { subprocessor: { id: sub.id, name: sub.name } } : {}),
    district: districtName,
    vendor: { name: input.vendor.name },
    contract: {
      id: input.contract.id,
      ...(input.contract.title ? { title: input.contract.title } : {}),
      terminationDate: input.contract.terminationDate,
    },
    service: { name: input.service.name },
    disposition: { option: input.disposition.option, extent: input.disposition.extent },
    categories: input.disposition.categories.map((c) => ({
      key: c.key,
      label: categoryLabel(c),
      ...((KNOWN_CATEGORIES as Record<string, { explains: string }>)[c.key]
        ? { explains: (KNOWN_CATEGORIES as Record<string, { explains: string }>)[c.key]!.explains }
        : {}),
      ...(c.expectedRecords !== undefined ? { expectedRecords: c.expectedRecords } : {}),
    })),
    trackingMechanisms: input.trackingMechanisms ?? [],
    /** Data the vendor may keep (the exceptions register): the certification covers all but these. */
    exceptions: exceptionsOf(state).map((e) => ({
      kind: e.kind,
      kindLabel: EXCEPTION_KINDS[e.kind],
      scope: e.scope,
      reason: e.reason,
      endsOn: e.endsOn ?? null,
    })),
    ...(task.kind === 'return'
      ? {
          stagedFiles: staged.map((f) => ({
            fileId: f.fileId,
            name: f.name,
            category: f.category,
            bytes: f.bytes,
            sha256: f.sha256,
            ...(f.records !== undefined ? { records: f.records } : {}),
          })),
          ...(lastRound?.decision?.decision === 'reject'
            ? { rejection: { reason: lastRound.decision.reason ?? '' } }
            : {}),
        }
      : {}),
    ...(task.kind === 'certify' || task.kind === 'subprocessor_certify'
      ? { certifyNotBefore: certificationFloor(state)?.day ?? null }
      : {}),
    ...(task.kind === 'confirm_backup_rolloff'
      ? { rollOffDate: state.certification?.destruction.backups.rollOffDate ?? null }
      : {}),
  };
}
export type VendorTaskView = ReturnType<typeof vendorTaskView>;

/** The data categories the district asked for, with what each holds and how many records it expects. */
export function categoriesList(view: VendorTaskView): Markup {
  return html`<ul>${view.categories.map((c) => html`<li><strong>${c.label}</strong>${c.expectedRecords !== undefined ? ` (about ${c.expectedRecords} records expected)` : ''}${c.explains ? html`: <span class="muted">${c.explains}</span>` : ''}</li>`)}</ul>`;
}
