import { z } from 'zod';
// What administrators, legal staff and vendors can do to a case, for the HTTP server and the CLI alike:
// reads come from the case record, actions go to the workflow as updates with deterministic ids.
import {
  Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import {
  STAFF_ACTIONS,
  type StaffAction,
  type StaffActionName,
  type UpdateName,
  type UploadedFile,
  type VENDOR_ACTIONS,
  type VendorActionName,
} from '../actions/registry';
import { BUILT_IN_AGREEMENTS, unknownAgreement, withAgreement } from '../domain/agreements';
import { caseInputSchema, type CaseInput } from '../domain/case-input';
import type { ActionResult } from '../domain/case-state';
import { legalHoldMessage } from '../domain/case-state';
import { DispositionError } from '../domain/errors';
import { durationMs, formatDuration, HOUR_MS } from '../domain/durations';
import { describeZodError, fieldRefusal, problemsOf, refusalInWords, type LinkRef } from '../domain/messages';
import { isTerminal, STATUS_LABELS, type CaseStatus } from '../domain/statuses';
import { linkUpdateId } from '../domain/update-ids';
import type { Config } from '../infra/config';
import type { CaseRecord, CaseRecordStore } from '../infra/database/case-record-store';
import type { Keyring } from '../infra/keys/keys';
import {
  checkLinkAgainstRecord,
  LINK_REFUSAL_TEXT,
  tokenFromLink,
  verifyLinkToken,
  type LinkClaims,
  type LinkRefusal,
} from '../infra/keys/link-tokens';
import { actionUpdate, legalHoldChanged } from '../workflows/messages';
import { attachRoster } from './roster-attach';
import type { SqlRosterStore } from '../infra/database/roster-store';
import { parseInput } from '../domain/parse-input';
import { legalHoldForwarded, retentionWorkflowId } from '../workflows/package-retention';
import { newCaseId, startCaseWorkflow, workflowIdOf } from '../infra/temporal/case-starts';
import type { SqlBulkStore } from '../infra/database/bulk-store';
import type { terminationCase } from '../workflows/termination-case';

export { workflowIdOf };

/** The update of a vendor action, whatever its payload (the declaration checked it). */
export type VendorUpdate = UpdateDefinition<
  ActionResult,
  [object],
  (typeof VENDOR_ACTIONS)[VendorActionName]['update']
>;

export interface LinkCheck {
  valid: boolean;
  reason?: LinkRefusal;
  message?: string;
  claims?: LinkClaims;
}

/** A vendor link as the server sees it: signature and expiry, then the case record. */
export async function checkLink(
  keyring: Keyring,
  records: Pick<CaseRecordStore, 'getCase'>,
  tokenOrUrl: string,
  now = Date.now(),
): Promise<LinkCheck> {
  return (await readLink(keyring, records, tokenOrUrl, now)).check;
}

/**
 * The check of a link, with the record it was checked against (none when the token is not genuine or names no
 * case): a request that goes on to act reads the record once, not once per step.
 */
export async function readLink(
  keyring: Keyring,
  records: Pick<CaseRecordStore, 'getCase'>,
  tokenOrUrl: string,
  now = Date.now(),
): Promise<{ check: LinkCheck; record?: CaseRecord }> {
  const verified = verifyLinkToken(keyring, tokenFromLink(tokenOrUrl), now);
  if (!verified.ok)
    return {
      check: {
        valid: false,
        reason: verified.reason,
        message: LINK_REFUSAL_TEXT[verified.reason],
        ...(verified.claims ? { claims: verified.claims } : {}),
      },
    };
  const record = await records.getCase(verified.claims.caseId);
  const refusal = checkLinkAgainstRecord(verified.claims, record);
  const check: LinkCheck = refusal
    ? { valid: false, reason: refusal, message: LINK_REFUSAL_TEXT[refusal], claims: verified.claims }
    : { valid: true, claims: verified.claims };
  return { check, ...(record ? { record } : {}) };
}

export class CaseService {
  constructor(
    private readonly client: Client,
    private readonly records: CaseRecordStore,
    private readonly keyring: Keyring,
    private readonly config: Pick<Config, 'taskQueue'> &
      Partial<Pick<Config, 'retentionMs' | 'minReminderMs' | 'agreements'>>,
    /** How long an action may wait on Temporal and the worker before it is answered 503. */
    private readonly actionTimeoutMs = 10_000,
    /** Which case holds each contract (a bulk file naming it later starts nothing). */
    private readonly contracts?: Pick<SqlBulkStore, 'claimForStart' | 'releaseClaim'>,
    /** The rosters districts attach (actions/roster/), kept sealed beside the case record. */
    private readonly rosters?: SqlRosterStore,
  ) {}

  /**
   * Starts a case and sends the vendor its notice. A contract of the same vendor that already has an open case is
   * refused (`duplicate_case`, naming that case) unless the body says `allowDuplicate: true`.
   */
  async startCase(
    raw: unknown,
    actor: string,
    options: { historyBudget?: number } = {},
  ): Promise<{ caseId: string; status: string }> {
    const { allowDuplicate, ...rest } = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    if (allowDuplicate !== undefined && typeof allowDuplicate !== 'boolean')
      throw fieldRefusal('allowDuplicate', 'must be true or false');
    const parsed = caseInputSchema.safeParse(raw && typeof raw === 'object' ? rest : raw);
    if (!parsed.success)
      throw new DispositionError('invalid_payload', describeZodError(parsed.error), problemsOf(parsed.error));
    const agreements = this.config.agreements ?? BUILT_IN_AGREEMENTS;
    const unknown = unknownAgreement(parsed.data, agreements);
    if (unknown) throw fieldRefusal('contract.agreement', unknown);
    // The agreement's deadlines and clause, under what the case says itself.
    const input: CaseInput = withAgreement(parsed.data, agreements);
    const reminderFloor = this.config.minReminderMs ?? HOUR_MS;
    if (input.deadlines?.reminderEvery && durationMs(input.deadlines.reminderEvery) < reminderFloor) {
      throw fieldRefusal(
        'deadlines.reminderEvery',
        `must be at least ${formatDuration(reminderFloor)}, so the vendor is not mailed more often than that`,
      );
    }
    const caseId = newCaseId();
    const settings = {
      taskQueue: this.config.taskQueue,
      ...(this.config.retentionMs !== undefined ? { retentionMs: this.config.retentionMs } : {}),
      ...(options.historyBudget ? { historyBudget: options.historyBudget } : {}),
    };
    const held = await this.contracts?.claimForStart(
      input.contract.id,
      input.vendor.name,
      caseId,
      allowDuplicate === true,
    );
    if (held?.openCase) {
      const { caseId: open, status } = held.openCase;
      throw new DispositionError(
        'duplicate_case',
        `${input.vendor.name}'s contract ${input.contract.id} already has an open case, ${open} (${status ? STATUS_LABELS[status as CaseStatus].toLowerCase() : 'started a moment ago'}), whose notice the vendor was sent; a second case would send it another`,
        { caseId: open, status },
      );
    }
    try {
      await this.temporal(() => startCaseWorkflow(this.client, settings, caseId, input, actor));
    } catch (err) {
      await this.contracts?.releaseClaim(input.contract.id, caseId);
      throw err;
    }
    // The workflow writes the record at once; answer when it is there, so a list right after shows the case.
    const deadline = Date.now() + this.actionTimeoutMs;
    let record = await this.records.getCase(caseId);
    while (!record && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      record = await this.records.getCase(caseId);
    }
    return { caseId, status: record?.status ?? 'awaiting_acknowledgement' };
  }

  async getCase(caseId: string): Promise<CaseRecord> {
    const record = await this.records.getCase(caseId);
    if (!record) throw new DispositionError('not_found', `no case ${caseId}`);
    return record;
  }

  /**
   * A staff action as declared (actions/<name>/action.ts): the body checked against its declaration, the update's
   * payload and id made from the case as it is now, then sent to the workflow.
   */
  async perform(
    name: StaffActionName,
    caseId: string,
    raw: unknown,
    actor: string,
    rawParams: Record<string, string> = {},
    file?: UploadedFile,
  ): Promise<ActionResult> {
    const action: StaffAction = STAFF_ACTIONS[name];
    let body: unknown = action.body ? parseInput(action.body, raw) : {};
    const params = action.params ? parseInput(z.object(action.params), rawParams, 'path') : {};
    const record = await this.getCase(caseId);
    if (action.recordOwned) return this.setLegalHold(record, body as { on: boolean; reason: string }, actor);
    if (action.upload) body = await this.takeUpload(name, record, file, actor);
    const { payload, updateId: id } = action.send(record.state, body, actor, params);
    return this.act(caseId, actionUpdate(action.update as UpdateName), payload as never, id);
  }

  /**
   * The roster's students missing from the latest return packaged against it, in the roster's order: student data,
   * for administrators (the route says who may read it, and the access log keeps each read).
   */
  async missingStudents(caseId: string): Promise<{
    round: number;
    students: number;
    returned: number;
    missing: { sourcedId: string; identifier: string; userMasterIdentifier?: string; name: string }[];
  }> {
    await this.getCase(caseId);
    const roster = await this.rosters?.get(caseId);
    if (!roster) throw new DispositionError('not_found', `no roster is attached to case ${caseId}`);
    const match = await this.rosters!.match(caseId);
    if (!match)
      throw new DispositionError(
        'not_found',
        'no return has been packaged since the roster was attached: the next one is checked against it',
      );
    return {
      round: match.round,
      students: roster.students.length,
      returned: match.returned,
      missing: match.missing.map((i) => roster.students[i]!),
    };
  }

  /**
   * The file of an action that takes one (`upload`), read and kept before the workflow hears of it; the answer is the
   * body the action's `send` makes its payload of. A case the action cannot be taken on is refused by the workflow's
   * validator afterwards, with the file kept only where the action's own store replaces it at the next attempt.
   */
  private async takeUpload(
    name: StaffActionName,
    record: CaseRecord,
    file: UploadedFile | undefined,
    actor: string,
  ): Promise<unknown> {
    const action: StaffAction = STAFF_ACTIONS[name];
    if (!file || file.bytes.byteLength === 0)
      throw new DispositionError('invalid_payload', `Choose the file of ${action.upload!.what} (the field "file").`, [
        { field: 'file', message: 'required' },
      ]);
    if (name === 'roster') {
      if (!this.rosters) throw new Error('this service has no roster store');
      return attachRoster(this.rosters, record.caseId, file, actor);
    }
    throw new Error(`no service reads the file of ${name}`);
  }

  /**
   * The legal hold, written to the record (its one owner) in one transaction, open case or closed. A destroying
   * activity checks the record itself; the retention workflow is told only so that a release wakes it now
   * rather than at its next daily look. An exact repeat (same switch, reason and person) answers "already done".
   */
  private async setLegalHold(
    record: CaseRecord,
    body: { on: boolean; reason: string },
    actor: string,
  ): Promise<ActionResult> {
    const { caseId } = record;
    const written = await this.records.setLegalHold(caseId, {
      on: body.on,
      reason: body.reason,
      by: actor,
      at: Date.now(),
    });
    if ('repeated' in written)
      return { caseId, status: record.status, message: legalHoldMessage(body.on), alreadyDone: true };
    if ('refused' in written) throw new DispositionError('wrong_state', written.refused);
    // The case (keeping disposals for a hold) and its retention look again; either may be over, or Temporal away:
    // the record holds the hold all the same, and they look at least daily.
    const tell = async (workflowId: string, signal: typeof legalHoldForwarded): Promise<void> => {
      try {
        await this.temporal(() => this.client.workflow.getHandle(workflowId).signal(signal, { on: body.on }));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) && !(err instanceof DispositionError)) throw err;
      }
    };
    await tell(workflowIdOf(caseId), legalHoldChanged);
    await tell(retentionWorkflowId(caseId), legalHoldForwarded);
    const begun = body.on ? written.destructionsBegun : [];
    const message = begun.length
      ? `${legalHoldMessage(true)} Decided before it, and not undone by it: the destruction of ${begun.map((d) => `${d.what} (${new Date(d.at).toISOString()})`).join(', ')}.`
      : legalHoldMessage(body.on);
    return { caseId, status: record.status, message };
  }

  /** Vendor actions: the link's task and generation travel with the payload and name the update. */
  vendorAction<Req extends { link: LinkRef }>(
    caseId: string,
    update: VendorUpdate,
    payload: Req,
    suffix?: string,
    known?: { record?: CaseRecord },
  ): Promise<ActionResult> {
    return this.act(
      caseId,
      update as never,
      payload as never,
      `${linkUpdateId(payload.link, update.name)}${suffix ? `-${suffix}` : ''}`,
      known,
    );
  }

  checkLink(tokenOrUrl: string, now = Date.now()): Promise<LinkCheck> {
    return checkLink(this.keyring, this.records, tokenOrUrl, now);
  }

  readLink(tokenOrUrl: string, now = Date.now()): Promise<{ check: LinkCheck; record?: CaseRecord }> {
    return readLink(this.keyring, this.records, tokenOrUrl, now);
  }

  /**
   * A vendor action through an emailed link. An unsigned, altered or expired token stops here; a genuine one
   * goes to the workflow even when its task is done, so a repeat (a double click) answers with the first result
   * and anything else is refused there with the reason.
   */
  async vendorActionByLink(
    tokenOrUrl: string,
    update: VendorUpdate,
    body: object,
    suffix?: string,
    /** The record as this request read it already (`readLink`), so it is not read again. */
    known?: { record?: CaseRecord },
  ): Promise<ActionResult> {
    const verified = verifyLinkToken(this.keyring, tokenFromLink(tokenOrUrl), Date.now());
    if (!verified.ok) {
      throw new DispositionError(
        verified.reason === 'expired' ? 'link_gone' : 'link_refused',
        LINK_REFUSAL_TEXT[verified.reason],
      );
    }
    const { caseId, task, gen, sub } = verified.claims;
    const record = known ? known.record : await this.records.getCase(caseId);
    // When the record already shows this link's task closed, a success can only be the first answer repeated.
    const closedBefore = checkLinkAgainstRecord(verified.claims, record) !== undefined;
    const answer = await this.vendorAction(
      caseId,
      update,
      { ...body, link: { task, gen, ...(sub ? { sub } : {}) } },
      suffix,
      { record },
    );
    return closedBefore ? { ...answer, alreadyDone: true } : answer;
  }

  handle(caseId: string): WorkflowHandle<typeof terminationCase> {
    return this.client.workflow.getHandle(workflowIdOf(caseId));
  }

  private async act<Req>(
    caseId: string,
    update: UpdateDefinition<ActionResult, [Req]>,
    payload: Req,
    updateId: string,
    known?: { record?: CaseRecord },
  ): Promise<ActionResult> {
    const workflowId = workflowIdOf(caseId);
    const record = known ? known.record : await this.records.getCase(caseId);
    if (record && isTerminal(record.status)) {
      // A repeat of an action the case took before it closed (its answer lost, say) answers with the first result.
      const settled = record.state.settledUpdates[updateId];
      if (settled) return { ...settled, alreadyDone: true };
      throw new DispositionError('wrong_state', `the case is ${record.status}; nothing more can be done on it`);
    }
    try {
      return await this.temporal(() =>
        this.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [payload], updateId }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const code =
          err.cause.type === 'stale_link' || err.cause.type === 'wrong_state' ? err.cause.type : 'invalid_payload';
        const { message, details } = refusalInWords(err.cause.message);
        throw new DispositionError(code, message, details);
      }
      if (err instanceof WorkflowNotFoundError) {
        throw new DispositionError(
          record ? 'wrong_state' : 'not_found',
          record ? `the case is ${record.status} and no longer takes actions` : `no case ${caseId}`,
        );
      }
      throw err;
    }
  }

  /** Runs a Temporal call with a deadline, so a dead server or worker answers temporal_unavailable. */
  private async temporal<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + this.actionTimeoutMs, call);
    } catch (err) {
      if (outlivedItsDeadline(err)) {
        throw new DispositionError(
          'temporal_unavailable',
          'Temporal or the worker did not answer in time; try again shortly',
        );
      }
      throw err;
    }
  }
}

/**
 * Whether a Temporal call failed because nothing answered in time (a busy or absent server or worker), as opposed to
 * the call itself being refused. An update that outlives the deadline ends as "Call cancelled", not as a gRPC code:
 * as WorkflowUpdateRPCTimeoutOrCancelledError, or as the gRPC error "1 CANCELLED: Call cancelled" itself.
 */
export function outlivedItsDeadline(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const text = `${(err as Error)?.message ?? ''} ${(err as { cause?: Error })?.cause?.message ?? ''}`;
  return /DEADLINE_EXCEEDED|deadline exceeded|UNAVAILABLE|ECONNREFUSED|Connection refused|timed out|CANCELLED: Call cancelled/i.test(
    text,
  );
}
