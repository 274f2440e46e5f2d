// A refused command as the CLI reports it, for every entry of the CLI (client/cli.ts, client/package-command.ts).
import { ERROR_CODES, type DispositionError } from '../domain/errors';

type Out = (text: string) => void;

/** With --json the API's error body on standard output, else one line on standard error; answers the exit code. */
export function reportRefusal(e: DispositionError, json: boolean, out: Out, err: Out): number {
  if (json)
    out(
      JSON.stringify(
        { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } },
        null,
        2,
      ),
    );
  else err(`error: ${e.message}`);
  return ERROR_CODES[e.code].exit;
}
