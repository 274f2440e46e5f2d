// The roster a district attaches (issue 28, item 1 and 4): OneRoster 1.1 and 1.2 files as a student information
// system exports them, with teachers, guardians and aides among the students, and the refusals that say what
// the file lacked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRecords, CsvUnclosedQuoteError } from '../domain/csv';
import { DispositionError } from '../domain/errors';
import { readRoster, rosterKeys } from '../domain/roster';
import { openStores } from '../infra/database/open-stores';
import { SqlRosterStore } from '../infra/database/roster-store';
import { Keyring } from '../infra/keys/keys';
import { readZipFiles } from '../infra/package/zip-reader';
import { packRosterKeys, RosterKeys, RosterMatch } from '../infra/package/roster-matcher';
import { zipOf } from './support/zip-of';

const V11_HEADER =
  'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password';
const V12_HEADER =
  'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns';
const ROLES_HEADER =
  'sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId,userProfileSourcedId,beginDate,endDate';

const v11Row = (id: string, role: string, given: string, family: string, identifier: string, status = '') =>
  `${id},${status},2026-08-01T00:00:00Z,true,school-1,${role},${id.toLowerCase()},,"${given}","${family}",,${identifier},,,,,09,`;

const V11 = [
  V11_HEADER,
  v11Row('U-0001', 'student', 'Amara', 'Okafor', '100001'),
  v11Row('U-0002', 'student', '美咲', '佐藤', '100002'),
  v11Row('U-0003', 'teacher', 'Dana', 'Whitfield', 'T-77'),
  v11Row('U-0004', 'guardian', 'Rosa', 'Okafor', ''),
  v11Row('U-0005', 'student', 'Yusuf', 'Al-Hakim, Jr.', '100005'),
  v11Row('U-0006', 'aide', 'Lee', 'Park', 'A-5'),
  v11Row('U-0007', 'student', 'Gone', 'Away', '100007', 'tobedeleted'),
].join('\r\n');

const v12User = (id: string, given: string, family: string, identifier: string, master: string) =>
  `${id},active,2026-08-01T00:00:00Z,true,${id.toLowerCase()},,${given},${family},,${identifier},,,,,,,${master},,,,,school-1,`;
const V12_USERS = [
  V12_HEADER,
  v12User('p-1', 'Noa', 'Levi', '2001', 'SIS-2001'),
  v12User('p-2', 'Ibrahim', 'Haddad', '2002', 'SIS-2002'),
  v12User('p-3', 'Claire', 'Dubois', 'T-1', ''),
  v12User('p-4', 'Sam', 'Levi', '', ''),
].join('\n');
const V12_ROLES = [
  ROLES_HEADER,
  'r-1,active,2026-08-01T00:00:00Z,p-1,primary,student,school-1,,,',
  'r-2,active,2026-08-01T00:00:00Z,p-2,primary,student,school-1,,,',
  'r-3,active,2026-08-01T00:00:00Z,p-3,primary,teacher,school-1,,,',
  'r-4,active,2026-08-01T00:00:00Z,p-4,primary,guardian,school-1,,,',
  'r-5,active,2026-08-01T00:00:00Z,p-3,secondary,administrator,district-1,,,',
].join('\n');

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DispositionError);
    return (err as DispositionError).message;
  }
  throw new Error('expected the roster to be refused');
};

describe('a OneRoster 1.1 users.csv', () => {
  it('gives its students with their keys and names, and skips teachers, guardians, aides and deleted rows', () => {
    const roster = readRoster({ users: V11 });
    expect(roster.format).toBe('oneroster-1.1');
    expect(roster.skipped).toBe(4);
    expect(roster.students).toEqual([
      { sourcedId: 'U-0001', identifier: '100001', name: 'Amara Okafor' },
      { sourcedId: 'U-0002', identifier: '100002', name: '美咲 佐藤' },
      { sourcedId: 'U-0005', identifier: '100005', name: 'Yusuf Al-Hakim, Jr.' },
    ]);
    expect(rosterKeys(roster.students[0]!)).toEqual(['U-0001', '100001']);
  });
});

describe('a OneRoster 1.2 set', () => {
  it('takes its students from roles.csv, with userMasterIdentifier as a third key, read out of the set’s ZIP', async () => {
    const zip = await zipOf({
      'oneroster/manifest.csv': 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n',
      'oneroster/users.csv': V12_USERS,
      'oneroster/roles.csv': V12_ROLES,
    });
    const files = readZipFiles(zip, ['users.csv', 'roles.csv'], 1 << 20);
    const roster = readRoster({ users: files.get('users.csv')!.toString(), roles: files.get('roles.csv')!.toString() });
    expect(roster.format).toBe('oneroster-1.2');
    expect(roster.skipped).toBe(2);
    expect(roster.students).toEqual([
      { sourcedId: 'p-1', identifier: '2001', userMasterIdentifier: 'SIS-2001', name: 'Noa Levi' },
      { sourcedId: 'p-2', identifier: '2002', userMasterIdentifier: 'SIS-2002', name: 'Ibrahim Haddad' },
    ]);
    expect(rosterKeys(roster.students[1]!)).toEqual(['p-2', '2002', 'SIS-2002']);
  });

  it('is refused as users.csv alone, which says nobody’s role', () => {
    expect(refusal(() => readRoster({ users: V12_USERS }))).toBe(
      'The roster was not attached: a OneRoster 1.2 users.csv says nobody’s role: attach the ZIP of the OneRoster set, with roles.csv beside users.csv',
    );
  });

  it('refuses an archive that would unpack beyond its bound', async () => {
    const zip = await zipOf({ 'users.csv': `${V11_HEADER}\n${'x'.repeat(4096)}` });
    expect(() => readZipFiles(zip, ['users.csv'], 1024)).toThrow(/would unpack to more than 1024 bytes/);
  });
});

describe('a CSV with student_id', () => {
  it('takes every row as a student, named by its name columns', () => {
    const roster = readRoster({ users: 'student_id,first_name,last_name\nS-1,Ana,Silva\nS-2,Ben,Ode\n' });
    expect(roster).toEqual({
      format: 'student-id',
      skipped: 0,
      students: [
        { sourcedId: 'S-1', identifier: 'S-1', name: 'Ana Silva' },
        { sourcedId: 'S-2', identifier: 'S-2', name: 'Ben Ode' },
      ],
    });
  });
});

describe('a roster that cannot be used', () => {
  it('says which columns it expected', () => {
    expect(refusal(() => readRoster({ users: 'name,grade\nAna,3\n' }))).toBe(
      'The roster was not attached: the file is neither a OneRoster users.csv (columns sourcedId, role, identifier in 1.1; sourcedId, identifier, userMasterIdentifier in 1.2, with roles.csv) nor a CSV with a student_id column; its columns are name, grade',
    );
  });

  it('names keys that two students share, with their lines, compared as matching compares them', () => {
    const text = [
      V11_HEADER,
      v11Row('U-1', 'student', 'A', 'B', '5001'),
      v11Row('U-2', 'student', 'C', 'D', ' u-1 '),
    ].join('\n');
    expect(refusal(() => readRoster({ users: text }))).toBe(
      'The roster was not attached: 1 key is given to two students, so a match could not say which one came back: u-1 (lines 2 and 3)',
    );
  });

  it('refuses a roster of no students, saying how many others were skipped', () => {
    const text = [
      V11_HEADER,
      v11Row('U-3', 'teacher', 'Dana', 'W', 'T-1'),
      v11Row('U-4', 'guardian', 'R', 'O', ''),
    ].join('\n');
    expect(refusal(() => readRoster({ users: text }))).toBe(
      'The roster was not attached: it names no student (2 rows of teachers, guardians or other staff were skipped)',
    );
    expect(refusal(() => readRoster({ users: '' }))).toBe('The roster was not attached: the file is empty');
  });

  it('names the line of an unclosed quote', () => {
    expect(refusal(() => readRoster({ users: `${V11_HEADER}\nU-1,,x,true,s,student,"open` }))).toBe(
      'The roster was not attached: users.csv, line 2: a quoted cell is not closed',
    );
  });
});

describe('the one CSV reader', () => {
  it('keeps quoted commas, quotes and line breaks in their cell, and each record’s first line', () => {
    expect(csvRecords('\uFEFFa,"b,1","say ""hi""\nthere"\r\n\nlast,\r"x"y,z')).toEqual([
      { line: 1, cells: ['a', 'b,1', 'say "hi"\nthere'] },
      { line: 4, cells: ['last', ''] },
      { line: 5, cells: ['xy', 'z'] },
    ]);
    expect(() => csvRecords('a\n"b')).toThrow(CsvUnclosedQuoteError);
  });
});

describe('the roster kept with the case', () => {
  it('is sealed in the database (no name or key in the file), read back whole, matched, and destroyed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-roster-'));
    const stores = await openStores({ dataDir });
    const keyring = Keyring.open(path.join(dataDir, 'keys'));
    try {
      await stores.bindKeyring({ keysDir: path.join(dataDir, 'keys') }, keyring);
      const rosters = new SqlRosterStore(stores.database, stores.seal);
      const roster = readRoster({ users: V11 });
      const packed = packRosterKeys(roster.students.map(rosterKeys));
      await rosters.attach('Case0001', roster, packed, { fileName: 'users.csv', at: 1_000, by: 'user:ada' });
      expect(await rosters.get('Case0001')).toEqual({
        caseId: 'Case0001',
        format: 'oneroster-1.1',
        students: roster.students,
        skipped: 4,
        fileName: 'users.csv',
        attachedAt: 1_000,
        attachedBy: 'user:ada',
      });
      expect(await rosters.matchKeys('Case0001')).toEqual({ students: roster.students.length, packed });
      expect(await rosters.match('Case0001')).toBeUndefined();
      await rosters.recordMatch('Case0001', { round: 1, matchedAt: 2_000, returned: 2, missing: [1] });
      expect(await rosters.match('Case0001')).toEqual({ round: 1, matchedAt: 2_000, returned: 2, missing: [1] });
      await stores.database.exec(stores.database.dialect === 'sqlite' ? 'PRAGMA wal_checkpoint(TRUNCATE)' : '');
      const file = fs.readFileSync(path.join(dataDir, 'disposition.db'));
      for (const clear of ['Okafor', 'U-0001', 'u-0001', '100002', 'users.csv'])
        expect(file.includes(clear), clear).toBe(false);
      // A roster attached by a release that kept no packed keys (schema 18): its size only, the students to be read.
      await stores.database.run('UPDATE case_rosters SET match_keys = NULL WHERE case_id = ?', ['Case0001']);
      expect(await rosters.matchKeys('Case0001')).toEqual({ students: roster.students.length });
      expect(await rosters.destroy('Case0001')).toBe(true);
      expect(await rosters.get('Case0001')).toBeUndefined();
      expect(await rosters.destroy('Case0001')).toBe(false);
    } finally {
      keyring.close();
      await stores.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("README's sample roster", () => {
  it('covers the example return but for its two students who are not in it', () => {
    const roster = readRoster({ users: fs.readFileSync('examples/roster/users.csv', 'utf8') });
    expect(roster).toMatchObject({ format: 'oneroster-1.1', skipped: 24 });
    expect(roster.students).toHaveLength(1202);
    const match = new RosterMatch(RosterKeys.of(roster.students.map(rosterKeys)));
    for (const name of fs.readdirSync('examples/returned')) {
      const scanner = match.scannerFor(name);
      scanner?.update(fs.readFileSync(path.join('examples/returned', name)));
      scanner?.end();
    }
    expect(match.returned()).toBe(1200);
    expect(match.missing().map((i) => roster.students[i]!.identifier)).toEqual(['S101201', 'S101202']);
  });
});
