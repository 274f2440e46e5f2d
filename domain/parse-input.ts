import type { z } from 'zod';
import { DispositionError } from './errors';
import { describeZodError, problemsOf } from './messages';

/** Parses a body, query or parameter at the edge; a refusal names each field and what is wrong with it. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new DispositionError(
    'invalid_payload',
    // A body's problems are the form's; a query's or path's are the address's, named as such.
    where === 'body'
      ? describeZodError(parsed.error)
      : `In the ${where === 'path' ? 'address' : 'query'}: ${describeZodError(parsed.error)}`,
    problemsOf(parsed.error).map((p) => ({ ...p, field: p.field || where })),
  );
}
