import type { z } from 'zod';
import { DispositionError } from './errors';
import { describeZodError } from './messages';

/** Parses a body, query or parameter at the edge; a refusal names each field and what is wrong with it. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new DispositionError(
    'invalid_payload',
    `${where}: ${describeZodError(parsed.error)}`,
    parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || where, message: issue.message })),
  );
}
