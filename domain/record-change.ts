// A case record write as a change: the fields that moved since the record last confirmed a write, and the
// timeline events it has not seen. A case is written about 14 times; sending the whole state each time put the
// whole state (growing with every event) into Temporal's history 14 times over.
//
// Schema-free: workflow code imports it (tests/workflow-footprint.test.ts).
import type { CaseState, TimelineEvent } from './case-state';

type Field = Exclude<keyof CaseState, 'timeline' | 'caseId'>;

export interface CaseRecordChange {
  caseId: string;
  version: number;
  /** The version of the record this change is built on: the record must hold at least that one. 0: the change
   *  carries the whole state and replaces whatever the record holds. */
  since: number;
  /** Fields whose value differs from that version's, with their new value. */
  set: Partial<Pick<CaseState, Field>>;
  /** Fields that version had and the state no longer has. */
  unset: Field[];
  /** Timeline events from index `eventsFrom` on. */
  eventsFrom: number;
  events: TimelineEvent[];
}

/** The record's state without its timeline: what a change applies to. */
export type RecordedState = Omit<CaseState, 'timeline'>;

/** `recorded` (at a version ≥ change.since) with the change applied. The caller keeps the timeline. */
export function applyRecordChange(recorded: RecordedState | undefined, change: CaseRecordChange): RecordedState {
  const base = change.since === 0 ? { caseId: change.caseId } : recorded;
  const next: Record<string, unknown> = { ...base, ...change.set, version: change.version };
  for (const field of change.unset) delete next[field];
  return next as unknown as RecordedState;
}

interface Sent {
  version: number;
  values: Map<Field, string | undefined>;
  events: number;
}

/**
 * The workflow's side: what the record is known to hold (the last write it confirmed) and the writes on their
 * way. A change carries every field that differs from the confirmed version and every field an unconfirmed
 * write carried, so it is right on top of any of those writes, in whatever order they land.
 */
export class RecordChanges {
  private confirmed = { version: 0, values: new Map<Field, string | undefined>(), events: 0 };
  private pending: Sent[] = [];

  /** The change that brings a record holding the confirmed version (or any pending one) up to `state`. */
  next(state: CaseState): CaseRecordChange {
    const carried = new Set<Field>(this.pending.flatMap((sent) => [...sent.values.keys()]));
    const values = new Map<Field, string | undefined>();
    const set: Record<string, unknown> = {};
    const unset: Field[] = [];
    const fields = new Set<Field>([
      ...this.confirmed.values.keys(),
      ...(Object.keys(state) as (keyof CaseState)[]).filter(isField),
    ]);
    for (const field of fields) {
      const value = state[field];
      const json = value === undefined ? undefined : JSON.stringify(value);
      if (!carried.has(field) && json === this.confirmed.values.get(field)) continue;
      values.set(field, json);
      if (value === undefined) unset.push(field);
      else set[field] = value;
    }
    const sent = { version: state.version, values, events: state.timeline.length };
    this.pending.push(sent);
    return {
      caseId: state.caseId,
      version: state.version,
      since: this.confirmed.version,
      set: set,
      unset,
      eventsFrom: this.confirmed.events,
      events: state.timeline.slice(this.confirmed.events),
    };
  }

  /** The record took the change of `version`; a confirmation older than one already had changes nothing. */
  confirm(version: number): void {
    const sent = this.pending.find((p) => p.version === version);
    this.pending = this.pending.filter((p) => p.version > version);
    if (!sent || version <= this.confirmed.version) return;
    for (const [field, json] of sent.values) {
      if (json === undefined) this.confirmed.values.delete(field);
      else this.confirmed.values.set(field, json);
    }
    this.confirmed.version = version;
    this.confirmed.events = sent.events;
  }

  /** The record could not take a change (it lost versions): the next change carries the whole state. */
  forget(): void {
    this.confirmed = { version: 0, values: new Map(), events: 0 };
    this.pending = [];
  }
}

const isField = (key: keyof CaseState): key is Field => key !== 'timeline' && key !== 'caseId';
