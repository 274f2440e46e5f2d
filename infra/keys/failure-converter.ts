// Loaded by path on the worker (also inside the workflow sandbox) and the client: no Node built-ins here.
// Failure messages and stack traces are encoded, so the payload codec encrypts them too.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
