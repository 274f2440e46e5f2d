// The roster a district attaches to a case: the students it shared with the vendor, as its student information
// system exported them. Read here from a OneRoster users.csv (1.1, whose `role` column says who is a student;
// 1.2, whose roles.csv beside it does), or from any CSV with a `student_id` column. Only students count:
// teachers, guardians, aides and administrators are skipped. Each student is known by every key the file gives it
// (OneRoster's `sourcedId` and `identifier`, and 1.2's `userMasterIdentifier`); the return is later matched
// against those keys (infra/package/roster-matcher.ts). A roster is student data: nothing here is logged.
import { csvRecords, CsvUnclosedQuoteError } from './csv';
import { DispositionError } from './errors';

import type { RosterFormat } from './case-state';

export type { RosterFormat };

export interface RosterStudent {
  sourcedId: string;
  identifier: string;
  /** OneRoster 1.2 only, when the file gives one. */
  userMasterIdentifier?: string;
  /** Given and family name as the file spells them (shown to administrators beside a missing student). */
  name: string;
}

export interface Roster {
  format: RosterFormat;
  students: RosterStudent[];
  /** Rows of people who are not students (teachers, guardians, aides…), skipped. */
  skipped: number;
}

/** The files of a roster as text: OneRoster's users.csv, and roles.csv for a 1.2 set. */
export interface RosterFiles {
  users: string;
  roles?: string;
}

/** Where roster rows are refused: at most this many keys are listed in one refusal. */
const LISTED = 10;

const refuse = (message: string): never => {
  throw new DispositionError('invalid_payload', `The roster was not attached: ${message}`, [
    { field: 'file', message },
  ]);
};

const STUDENT_ID_COLUMNS = ['student_id'];
const V11_COLUMNS = ['sourcedId', 'role', 'identifier'];
const V12_COLUMNS = ['sourcedId', 'identifier', 'userMasterIdentifier'];
const ROLES_COLUMNS = ['userSourcedId', 'role'];

function records(text: string, file: string) {
  try {
    return csvRecords(text);
  } catch (err) {
    if (err instanceof CsvUnclosedQuoteError) return refuse(`${file}, line ${err.line}: a quoted cell is not closed`);
    throw err;
  }
}

/** Column positions by name, case-insensitively; -1 for a column the header lacks. */
function columns(header: string[]): (name: string) => number {
  const names = header.map((h) => h.trim().toLowerCase());
  return (name) => names.indexOf(name.toLowerCase());
}

/** Rows marked for deletion in a OneRoster delta are not people the vendor holds data of any more. */
const deleted = (status: string | undefined): boolean => status?.trim().toLowerCase() === 'tobedeleted';

/** The students of a roster, or a refusal that says which columns it expected and what was wrong. */
export function readRoster(files: RosterFiles): Roster {
  const rows = records(files.users, 'users.csv');
  const header = rows.shift();
  if (!header) return refuse('the file is empty');
  const at = columns(header.cells);
  const cell = (cells: string[], name: string): string => {
    const i = at(name);
    return i === -1 ? '' : (cells[i] ?? '').trim();
  };
  const name = (cells: string[]): string =>
    [cell(cells, 'givenName') || cell(cells, 'first_name'), cell(cells, 'familyName') || cell(cells, 'last_name')]
      .filter(Boolean)
      .join(' ') || cell(cells, 'name');

  let format: RosterFormat;
  let isStudent: (cells: string[]) => boolean;
  if (at('student_id') !== -1) {
    format = 'student-id';
    isStudent = () => true;
  } else if (at('sourcedId') !== -1 && at('role') !== -1) {
    format = 'oneroster-1.1';
    isStudent = (cells) => cell(cells, 'role').toLowerCase() === 'student';
  } else if (at('sourcedId') !== -1 && at('username') !== -1) {
    format = 'oneroster-1.2';
    if (files.roles === undefined)
      return refuse(
        'a OneRoster 1.2 users.csv says nobody’s role: attach the ZIP of the OneRoster set, with roles.csv beside users.csv',
      );
    const roleRows = records(files.roles, 'roles.csv');
    const roleHeader = roleRows.shift();
    const roleAt = roleHeader ? columns(roleHeader.cells) : () => -1;
    if (ROLES_COLUMNS.some((c) => roleAt(c) === -1))
      return refuse(`roles.csv has no ${ROLES_COLUMNS.filter((c) => roleAt(c) === -1).join(' or ')} column`);
    const students = new Set<string>();
    for (const r of roleRows) {
      const status = r.cells[roleAt('status')];
      if ((r.cells[roleAt('role')] ?? '').trim().toLowerCase() === 'student' && !deleted(status))
        students.add((r.cells[roleAt('userSourcedId')] ?? '').trim());
    }
    isStudent = (cells) => students.has(cell(cells, 'sourcedId'));
  } else {
    return refuse(
      `the file is neither a OneRoster users.csv (columns ${V11_COLUMNS.join(', ')} in 1.1; ${V12_COLUMNS.join(', ')} in 1.2, with roles.csv) nor a CSV with a ${STUDENT_ID_COLUMNS[0]} column; its columns are ${header.cells
        .slice(0, 12)
        .map((c) => c.trim())
        .join(', ')}`,
    );
  }

  const students: RosterStudent[] = [];
  let skipped = 0;
  // Each key names one student: a key two students share could not say which of them came back.
  const owner = new Map<string, number>();
  const clashes: string[] = [];
  let clashCount = 0;
  for (const row of rows) {
    const cells = row.cells;
    if (deleted(cell(cells, 'status')) || !isStudent(cells)) {
      skipped += 1;
      continue;
    }
    const student: RosterStudent =
      format === 'student-id'
        ? { sourcedId: cell(cells, 'student_id'), identifier: cell(cells, 'student_id'), name: name(cells) }
        : {
            sourcedId: cell(cells, 'sourcedId'),
            identifier: cell(cells, 'identifier'),
            ...(cell(cells, 'userMasterIdentifier')
              ? { userMasterIdentifier: cell(cells, 'userMasterIdentifier') }
              : {}),
            name: name(cells),
          };
    if (!student.sourcedId && !student.identifier)
      return refuse(`line ${row.line}: a student with no ${format === 'student-id' ? 'student_id' : 'sourcedId'}`);
    for (const key of new Set(rosterKeys(student).map(normalizeKey))) {
      const first = owner.get(key);
      if (first === undefined) owner.set(key, row.line);
      else {
        clashCount += 1;
        if (clashes.length < LISTED) clashes.push(`${key} (lines ${first} and ${row.line})`);
      }
    }
    students.push(student);
  }
  if (clashCount > 0)
    return refuse(
      `${clashCount} key${clashCount === 1 ? ' is' : 's are'} given to two students, so a match could not say which one came back: ${clashes.join('; ')}${clashCount > clashes.length ? '; …' : ''}`,
    );
  if (students.length === 0)
    return refuse(
      `it names no student${skipped ? ` (${skipped} row${skipped === 1 ? '' : 's'} of teachers, guardians or other staff were skipped)` : ''}`,
    );
  return { format, students, skipped };
}

/** The keys a student is matched by: each non-empty one. */
export const rosterKeys = (student: RosterStudent): string[] =>
  [student.sourcedId, student.identifier, student.userMasterIdentifier].filter((k): k is string => !!k);

/** Keys compare trimmed and case-insensitively, as the returned data's values do. */
export const normalizeKey = (key: string): string => key.trim().toLowerCase();
