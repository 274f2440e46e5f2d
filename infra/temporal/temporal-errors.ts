// Apart from temporal-connection.ts, which loads the Temporal client: a command that never reaches Temporal can
// still tell this error from others without loading it.
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}
