// What the service does with a roster file before the case hears of it (actions/roster/): read it as the district
// sent it (a users.csv, or a OneRoster set's ZIP with roles.csv beside it), refuse what cannot be used with the
// columns it expected, and keep its students sealed with the case (infra/database/roster-store.ts). What goes on to
// the workflow is only how many students it names.
import { utf8Text } from '../domain/csv';
import { DispositionError } from '../domain/errors';
import { readRoster, rosterKeys, type RosterFiles } from '../domain/roster';
import type { UploadedFile } from '../actions/registry';
import type { z } from 'zod';
import type { rosterSummarySchema } from '../actions/roster/action';
import type { SqlRosterStore } from '../infra/database/roster-store';
import { packRosterKeys } from '../infra/package/roster-matcher';
import { isZip, readZipFiles, ZipReadError } from '../infra/package/zip-reader';

/** A OneRoster set's CSVs unpack to at most this much each (a users.csv of a large district is tens of MiB). */
const UNPACKED_MAX_BYTES = 256 * 1024 * 1024;

function rosterFiles(file: UploadedFile): RosterFiles {
  const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  if (!isZip(bytes)) return { users: utf8Text(bytes) };
  let found: Map<string, Buffer>;
  try {
    found = readZipFiles(bytes, ['users.csv', 'roles.csv'], UNPACKED_MAX_BYTES);
  } catch (err) {
    if (err instanceof ZipReadError)
      throw new DispositionError(
        'invalid_payload',
        `The roster was not attached: the ZIP cannot be read: ${err.message}`,
        [{ field: 'file', message: err.message }],
      );
    throw err;
  }
  const users = found.get('users.csv');
  if (!users)
    throw new DispositionError(
      'invalid_payload',
      'The roster was not attached: the ZIP holds no users.csv (a OneRoster set has users.csv, and roles.csv in 1.2)',
      [{ field: 'file', message: 'no users.csv in the ZIP' }],
    );
  const roles = found.get('roles.csv');
  return { users: utf8Text(users), ...(roles ? { roles: utf8Text(roles) } : {}) };
}

export async function attachRoster(
  rosters: SqlRosterStore,
  caseId: string,
  file: UploadedFile,
  actor: string,
): Promise<z.infer<typeof rosterSummarySchema>> {
  const roster = readRoster(rosterFiles(file));
  await rosters.attach(caseId, roster, packRosterKeys(roster.students.map(rosterKeys)), {
    fileName: file.name.slice(0, 200),
    at: Date.now(),
    by: actor,
  });
  return { format: roster.format, students: roster.students.length, skipped: roster.skipped };
}
