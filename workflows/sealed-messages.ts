// Every message a workflow takes (its start, updates, signals, queries) comes from the server, the CLI or
// another workflow, sealed by the payload codec with a district key. Anyone who can reach the Temporal
// namespace could otherwise act on a case around Disposition (`temporal workflow update execute --name
// acknowledgeNotice …`): no link token, no access-log entry. An unsealed payload decodes to a marker
// (domain/sealed-payloads.ts), and this interceptor refuses it: an update is rejected before it is accepted
// (nothing reaches the history), a signal is dropped, a start fails, a query is answered with an error.
// A message with no payload at all is refused alike where the workflow's own messages always carry one.
import * as wf from '@temporalio/workflow';
import { isUnsealed, UNSEALED_REFUSAL } from '../domain/sealed-payloads';

/** Before this, one signal (a subprocessor's follow-up settled) carried no payload: histories keep it. */
export const SEALED_SIGNALS_PATCH = 'signals-carry-a-sealed-payload';

/** Workflows started with no arguments by design (a schedule starts the audit checkpoint). */
const STARTED_BARE = new Set(['auditCheckpoint']);

const REFUSAL =
  'refused: the message was not sealed with a district key. Act on a case through Disposition (its pages, API or CLI), not through Temporal.';

const unsealed = (args: readonly unknown[]): boolean => args.length === 0 || args.some(isUnsealed);

class RefuseUnsealedMessages implements wf.WorkflowInboundCallsInterceptor {
  async execute(
    input: wf.WorkflowExecuteInput,
    next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const bare = input.args.length === 0 && STARTED_BARE.has(wf.workflowInfo().workflowType);
    if (!bare && unsealed(input.args)) throw wf.ApplicationFailure.nonRetryable(REFUSAL, UNSEALED_REFUSAL);
    return next(input);
  }

  validateUpdate(input: wf.UpdateInput, next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (unsealed(input.args)) {
      wf.log.warn('an update not sealed with a district key was rejected', { update: input.name });
      throw wf.ApplicationFailure.nonRetryable(REFUSAL, UNSEALED_REFUSAL);
    }
    next(input);
  }

  async handleUpdate(
    input: wf.UpdateInput,
    next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    // Every update has a validator, which refused it already; this holds for one added without.
    if (unsealed(input.args)) throw wf.ApplicationFailure.nonRetryable(REFUSAL, UNSEALED_REFUSAL);
    return next(input);
  }

  async handleSignal(
    input: wf.SignalInput,
    next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ): Promise<void> {
    const refused = input.args.some(isUnsealed) || (input.args.length === 0 && wf.patched(SEALED_SIGNALS_PATCH));
    if (refused) {
      wf.log.warn('a signal not sealed with a district key was dropped', { signal: input.signalName });
      return;
    }
    return next(input);
  }

  async handleQuery(
    input: wf.QueryInput,
    next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'handleQuery'>,
  ): Promise<unknown> {
    if (input.args.some(isUnsealed)) throw new Error(REFUSAL);
    return next(input);
  }
}

export const interceptors = (): wf.WorkflowInterceptors => ({ inbound: [new RefuseUnsealedMessages()] });
