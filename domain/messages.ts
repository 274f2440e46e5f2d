// The parts of the workflow's update payloads that every action shares; each action's own payload is declared
// with it (actions/).
import { z } from 'zod';
import { DispositionError, type ErrorCode } from './errors';
import { capitalised, fieldWords } from './field-words';
import { fileIdSchema } from './ids';
import { asSentence } from './text';
import { LINK_TASKS } from './statuses';

/** What a vendor's link token says: which task, which generation of its link (and, a subprocessor's, which one). */
export const linkRefSchema = z.object({
  task: z.enum(LINK_TASKS),
  gen: z.number().int().positive(),
  sub: z
    .string()
    .regex(/^s[1-9][0-9]?$/)
    .optional(),
});
export type LinkRef = z.infer<typeof linkRefSchema>;

/** A file staged for the return, as the submit-return payload lists it. */
export const stagedFileRefSchema = z.object({
  fileId: fileIdSchema,
  category: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  records: z.number().int().nonnegative().optional(),
});

/** A refusal's problem with one field: its body path, and a sentence in the form's words. */
export interface Problem {
  field: string;
  message: string;
}

/** Zod's own wording (never shown to people): a message that is not one of these was written by our schemas. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;
const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'yes or no',
  array: 'a list',
  object: 'a group of fields',
};
/** Words after which a schema's own message reads as a predicate of the field: "… is not a calendar date". */
const PREDICATE = /^(is|are|must|has|have|may|cannot|can't|should|needs?|was|were|does|do|lies|comes)\b/;

const readable = (value: unknown): string =>
  typeof value === 'string' ? `"${value.replace(/_/g, ' ')}"` : String(value);

/** A problem with one field as a sentence: "The reason must not be blank." or "The file: …" (an instruction). */
export function sentenceAbout(field: string, problem: string): string {
  const Words = capitalised(fieldWords(field));
  return asSentence(PREDICATE.test(problem) ? `${Words} ${problem}` : `${Words}: ${problem}`);
}

/** A refusal of one field: the sentence names it in the form's words, and the details keep its path for programs. */
export function fieldRefusal(field: string, problem: string, code: ErrorCode = 'invalid_payload'): DispositionError {
  const message = sentenceAbout(field, problem);
  return new DispositionError(code, message, [{ field, message }]);
}

/** Several `path: problem` texts (a rule's findings) as one refusal in the form's words, each field in the details. */
export function problemsRefusal(problems: string[]): DispositionError {
  const each = problems.map(refusalInWords);
  return new DispositionError(
    'invalid_payload',
    each.map((p) => p.message).join(' '),
    each.flatMap((p) => p.details ?? []),
  );
}

/**
 * A refusal written as `path: problem` (a workflow's validator, which answers with text alone; one a line), in the
 * form's words, with the fields it names; text that names no field is left as it is.
 */
export function refusalInWords(text: string): { message: string; details?: Problem[] } {
  const lines = text.split('\n').map((line): { message: string; field?: string } => {
    const match = /^([A-Za-z]\w*(?:\.\w+)*): (.+)$/s.exec(line);
    if (!match || fieldWords(match[1]!).startsWith('"')) return { message: line };
    return { message: sentenceAbout(match[1]!, match[2]!), field: match[1]! };
  });
  const details = lines.flatMap((l) => (l.field ? [{ field: l.field, message: l.message }] : []));
  return { message: lines.map((l) => l.message).join(' '), ...(details.length ? { details } : {}) };
}

/** One problem as a person reads it: which field, in the words of the form, and what to do. */
function inWords(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  const words = path ? fieldWords(path) : 'the request';
  const Words = capitalised(words);
  // A schema's own message keeps its words, with the field named before it.
  if (!ZOD_WORDING.test(issue.message)) return path ? sentenceAbout(path, issue.message) : asSentence(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message))
        return words.startsWith('whether')
          ? `Answer ${words}.`
          : issue.expected === 'boolean'
            ? `Tick ${words}.`
            : `Enter ${words}.`;
      return `${Words} must be ${EXPECTED[issue.expected] ?? issue.expected}.`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? `Enter ${words}.` : `${Words} needs at least ${issue.minimum} characters.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Give at least ${issue.minimum} of ${words}.`;
      return `${Words} must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}.`;
    case 'too_big':
      if (issue.origin === 'string') return `${Words} is too long: at most ${issue.maximum} characters.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Give at most ${issue.maximum} of ${words}.`;
      return `${Words} must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}.`;
    case 'invalid_format':
      if (issue.format === 'email') return `${Words} is not an email address; enter one such as name@example.org.`;
      if (issue.format === 'url') return `${Words} is not a web address; enter one such as https://example.org.`;
      if (issue.format === 'date') return `${Words} is not a date; enter it as YYYY-MM-DD.`;
      return `${Words} is not in the form expected.`;
    case 'invalid_value':
      if (issue.values.length === 1 && issue.values[0] === true) return `Tick ${words}.`;
      return `Choose ${words}: ${issue.values.map(readable).join(', or ')}.`;
    case 'unrecognized_keys':
      return `${issue.keys.map((k) => `"${k}"`).join(', ')} ${issue.keys.length > 1 ? 'are not fields' : 'is not a field'} of ${path ? words : 'this request'}.`;
    default:
      return `${Words} is not valid.`;
  }
}

/** Each problem of a zod error: the field's path (for programs) and a sentence in the form's words (for people). */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: inWords(issue) }));
}

/** A zod error as sentences people read, one a problem. */
export function describeZodError(error: z.ZodError): string {
  return problemsOf(error)
    .map((p) => p.message)
    .join(' ');
}

/** A zod error by path, for a configuration file (which its operator reads against its own keys). */
export function describeZodErrorByPath(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
