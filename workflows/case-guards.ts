// Update validators: refuse a bad payload, a wrong state or a stale link synchronously, with a reason a person can act on.
import { ApplicationFailure } from '@temporalio/workflow';
import type { RequestOf, UpdateName } from '../domain/actions';
import { openTaskOf, type CaseState } from '../domain/case-state';
import type { LinkRef } from '../domain/messages';
import { linkUpdateId } from '../domain/update-ids';
import { isTerminal, linkTaskTitle } from '../domain/statuses';
import { REFUSAL } from './messages';
import { payloadSchemas } from './payload-schemas';

export function refuse(type: (typeof REFUSAL)[keyof typeof REFUSAL], message: string): never {
  throw ApplicationFailure.create({ message, type, nonRetryable: true });
}

/** The payload of an update, checked by its action's declaration, which is loaded on the first call (./payload-schemas). */
export function parsePayload<U extends UpdateName>(update: U, payload: unknown): RequestOf<U> {
  const { actions, messages } = payloadSchemas();
  const parsed = actions.messageSchemaOf(update).safeParse(payload);
  if (!parsed.success) refuse(REFUSAL.invalidPayload, messages.describeZodError(parsed.error));
  return parsed.data as RequestOf<U>;
}

export function refuseWhenClosed(state: CaseState): void {
  if (isTerminal(state.status)) refuse(REFUSAL.wrongState, `the case is ${state.status}; nothing more can be done on it`);
}

/**
 * A vendor action must come through the link of the task that is open now, in its current generation.
 * Returns true when the same action was already done through this link (the caller answers with the first result).
 */
export function checkVendorLink(state: CaseState, link: LinkRef, action: string): boolean {
  if (state.settledUpdates[linkUpdateId(link, action)]) return true;
  refuseWhenClosed(state);
  const open = openTaskOf(state);
  if (!open || open.kind !== link.task) {
    if (link.task === 'certify' && state.input.disposition.option === 'return_then_destroy') {
      // 7400.1 III.C: the statement of destruction comes after the return of all information.
      refuse(REFUSAL.wrongState, `certification is accepted only after the district accepted the returned data; the case is ${state.status}`);
    }
    refuse(REFUSAL.wrongState, `the task "${linkTaskTitle(link.task)}" is not open; the case is ${state.status}`);
  }
  if (link.gen !== open.gen) {
    refuse(REFUSAL.staleLink, link.gen < open.gen
      ? 'this link was replaced by a newer one; use the link in the most recent email'
      : 'this link does not belong to the task that is open');
  }
  return false;
}
