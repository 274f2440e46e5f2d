// Loaded by path on the worker (also inside the workflow sandbox) and the client: no Node built-ins here, no
// import but packages', and no syntax beyond JavaScript's (the tests load this file as it is written).
// Failure messages and stack traces are encoded, so the payload codec encrypts them too. One failure stays in
// the clear: the refusal of a message that was not sealed (workflows/sealed-messages.ts), a fixed sentence whose
// reader, by definition, holds no district key to open it. Its type is domain/sealed-payloads.ts's
// UNSEALED_REFUSAL, written out here for the rule above (tests/temporal-side-door.test.ts reads the sentence
// through Temporal's own CLI).
import { ApplicationFailure, DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

const clear = new DefaultFailureConverter({ encodeCommonAttributes: false });
const encoded = failureConverter.errorToFailure.bind(failureConverter);
failureConverter.errorToFailure = (err, payloadConverter, context) =>
  err instanceof ApplicationFailure && err.type === 'UnsealedPayload'
    ? clear.errorToFailure(err, payloadConverter, context)
    : encoded(err, payloadConverter, context);
