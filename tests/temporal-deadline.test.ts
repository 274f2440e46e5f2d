// Which failures of a Temporal call mean "nothing answered in time" (answered 503 temporal_unavailable) and which are
// the call's own refusal (passed on as they are).
import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { outlivedItsDeadline } from '../client/case-service';

const grpc = (text: string) => Object.assign(new Error(text), { code: Number(text.split(' ')[0]) });

describe('a Temporal call that outlived its deadline', () => {
  it.each([
    [
      'an update the deadline cancelled',
      new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out or cancelled waiting for Update'),
    ],
    ['the bare gRPC cancellation', grpc('1 CANCELLED: Call cancelled')],
    ['a deadline gRPC gave up on', grpc('4 DEADLINE_EXCEEDED: Deadline exceeded')],
    ['a server that is not there', grpc('14 UNAVAILABLE: No connection established')],
    ['a cause that says so', new Error('start failed', { cause: grpc('14 UNAVAILABLE: read ECONNRESET') })],
  ])('is %s', (_what, err) => {
    expect(outlivedItsDeadline(err)).toBe(true);
  });

  it.each([
    ['a workflow that does not exist', new WorkflowNotFoundError('not found', 'case-1', undefined)],
    ['a refused argument', grpc('3 INVALID_ARGUMENT: update name is not registered')],
    [
      'a cancelled workflow, not a cancelled call',
      grpc('5 NOT_FOUND: workflow execution already completed: CANCELLED'),
    ],
    ['no error at all', undefined],
  ])('is not %s', (_what, err) => {
    expect(outlivedItsDeadline(err)).toBe(false);
  });
});
