// The store contract: the same cases against SQLite and PostgreSQL (a real server, started by the project's own
// services script), so a district can move from one machine to several without the record behaving otherwise.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseState } from '../domain/case-state';
import { CASE_STATUSES } from '../domain/statuses';
import { DuplicateUserError } from '../infra/database/user-store';
import { migrate } from '../infra/database/migrate';
import { MIGRATIONS, SCHEMA_VERSION } from '../infra/database/migrations';
import { openStores, type Stores } from '../infra/database/open-stores';
import { DatabaseTooNewError } from '../infra/database/sql-database';
import { Keyring } from '../infra/keys/keys';
import { newCaseState } from '../domain/case-state-changes';
import { RecordChanges } from '../domain/record-change';
import { DATABASE_BACKENDS } from './support/database-backends';
import { caseInput } from './support/fixtures';

const T0 = Date.parse('2026-12-01T09:00:00Z');

function caseAt(caseId: string, version: number, overrides: Partial<CaseState> = {}): CaseState {
  const state = newCaseState(caseId, caseInput({ vendor: { name: `Vendor ${caseId}` } }), 'test:admin', T0);
  state.version = version;
  state.updatedAt = T0 + version;
  for (let seq = 1; seq <= version; seq += 1)
    state.timeline.push({ seq, at: T0 + seq, type: `step_${seq}`, actor: 'system', summary: `Step ${seq}` });
  return { ...state, ...overrides };
}

/** Runs the append script in `count` processes at once, each appending `each` entries. */
function appendFromProcesses(
  settings: { dataDir: string; databaseUrl?: string },
  count: number,
  each: number,
): Promise<void> {
  const runs = Array.from(
    { length: count },
    (_, i) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(__dirname, 'support', 'append-access-log.ts'), String(each), `server-${i}`],
          {
            env: {
              ...process.env,
              DATA_DIR: settings.dataDir,
              ...(settings.databaseUrl ? { DATABASE_URL: settings.databaseUrl } : {}),
            },
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        );
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender ${i} exited ${code}`))));
      }),
  );
  return Promise.all(runs).then(() => undefined);
}

describe.each(DATABASE_BACKENDS)('the stores on $name', (backend) => {
  let settings: Awaited<ReturnType<typeof backend.fresh>>;
  let stores: Stores;

  beforeEach(async () => {
    settings = await backend.fresh();
    stores = await openStores(settings);
    const keysDir = path.join(settings.dataDir, 'keys');
    await stores.bindKeyring(
      { keysDir, ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}) },
      Keyring.open(keysDir),
    );
  });
  afterEach(async () => {
    await stores?.close();
    await settings?.drop();
  });

  describe('schema', () => {
    it('is at the latest version after opening, and migrating again changes nothing', async () => {
      expect(await migrate(stores.database)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      const versions = await stores.database.all<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('ranks the waits for subprocessors and for legal between the backups and the statement, rows ranked before them included (migrations 9, 10)', async () => {
      const statuses = [
        'completed',
        'awaiting_subprocessors',
        'generating_statement',
        'awaiting_signoff',
        'awaiting_backup_rolloff',
        'cancelled',
      ] as const;
      for (const [i, status] of statuses.entries())
        await stores.records.saveCase(caseAt(`Rank${i}`, 1, { status, createdAt: T0 + i }));
      // Rows written before the status existed carry the old ranks: the migration moves the three after it.
      const old = { generating_statement: 6, completed: 7, cancelled: 8 } as const;
      for (const [status, rank] of Object.entries(old))
        await stores.database.run('UPDATE cases SET status_rank = ? WHERE status = ?', [rank, status]);
      for (const version of [9, 10])
        await stores.database.exec(MIGRATIONS.find((m) => m.version === version)!.sql[stores.database.dialect]);
      const page = await stores.records.pageCases({}, { limit: 10, sort: 'status' });
      expect(page.cases.map((c) => c.status)).toEqual([
        'awaiting_backup_rolloff',
        'awaiting_subprocessors',
        'awaiting_signoff',
        'generating_statement',
        'completed',
        'cancelled',
      ]);
    });

    it('keeps statuses by name: a status the code adds re-ranks the cases at the next start, with no migration', async () => {
      const ranks = async () =>
        Object.fromEntries(
          (
            await stores.database.all<{ status: string; status_rank: number }>('SELECT status, status_rank FROM cases')
          ).map((row) => [row.status, Number(row.status_rank)]),
        );
      for (const [i, status] of (['awaiting_acknowledgement', 'awaiting_review', 'completed'] as const).entries())
        await stores.records.saveCase(caseAt(`Named${i}`, 1, { status, createdAt: T0 + i }));
      expect(await ranks()).toEqual({ awaiting_acknowledgement: 0, awaiting_review: 3, completed: 9 });
      const withNew = ['awaiting_acknowledgement', 'awaiting_scoping', ...CASE_STATUSES.slice(1)];
      await migrate(stores.database, MIGRATIONS, withNew);
      expect(await ranks()).toEqual({ awaiting_acknowledgement: 0, awaiting_review: 4, completed: 10 });
      const table = await stores.database.all<{ name: string; rank: number }>(
        'SELECT name, rank FROM case_statuses ORDER BY rank',
      );
      expect(table.map((row) => row.name)).toEqual(withNew);
      // An older release started beside it (a rolling upgrade) leaves the newer ranking alone.
      await migrate(stores.database, MIGRATIONS, CASE_STATUSES);
      expect(await ranks()).toEqual({ awaiting_acknowledgement: 0, awaiting_review: 4, completed: 10 });
    });

    it('refuses a database that newer code migrated, naming both versions', async () => {
      await stores.database.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        SCHEMA_VERSION + 1,
        'from the future',
        T0,
      ]);
      await stores.close();
      const opening = openStores(settings);
      await expect(opening).rejects.toBeInstanceOf(DatabaseTooNewError);
      await expect(opening).rejects.toThrow(
        `schema version ${SCHEMA_VERSION + 1}, newer than this Disposition's ${SCHEMA_VERSION}`,
      );
      stores = undefined as never;
    });
  });

  describe('case record', () => {
    it('keeps a case whole: row, timeline, return rounds and statement', async () => {
      const state = caseAt('Case0001', 3, {
        status: 'completed',
        returnRounds: [
          {
            round: 1,
            submittedAt: T0,
            packageId: 'pkg1',
            files: 2,
            bytes: 5_000_000_000,
            zipBytes: 4_900_000_000,
            zipSha256: 'a'.repeat(64),
            categories: [],
            shortfalls: [],
          },
        ],
        statement: {
          statementId: 'ST-0001-0001',
          issuedAt: T0 + 9,
          sha256: 'b'.repeat(64),
          signature: 'c2ln',
          keyId: 'k1',
          bytes: 12_345,
        },
      });
      await stores.records.saveCase(state);
      const record = (await stores.records.getCase('Case0001'))!;
      expect(record.status).toBe('completed');
      expect(record.timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(record.returnPackages[0]).toMatchObject({ round: 1, bytes: 5_000_000_000, zipSha256: 'a'.repeat(64) });
      expect(record.state.input.vendor.name).toBe('Vendor Case0001');
      expect(await stores.records.getStatement('ST-0001-0001')).toMatchObject({
        caseId: 'Case0001',
        issuedAt: T0 + 9,
        bytes: 12_345,
        vendorName: 'Vendor Case0001',
      });
      expect((await stores.records.findStatementBySha256('b'.repeat(64)))?.statementId).toBe('ST-0001-0001');
      expect(await stores.records.getCase('NoSuchCase')).toBeUndefined();
    });

    it('ignores a write older than what it holds, and grows the timeline without repeating it', async () => {
      await stores.records.saveCase(caseAt('Case0002', 4, { status: 'awaiting_return' }));
      await stores.records.saveCase(caseAt('Case0002', 2, { status: 'awaiting_acknowledgement' }));
      expect((await stores.records.getCase('Case0002'))!.status).toBe('awaiting_return');
      await stores.records.saveCase(caseAt('Case0002', 6, { status: 'packaging' }));
      const record = (await stores.records.getCase('Case0002'))!;
      expect(record.status).toBe('packaging');
      expect(record.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('takes writes as changes: in any order, each built on what the record confirmed, and asks for the whole state when it lacks that', async () => {
      const record = new RecordChanges();
      const state = caseAt('Case0003', 1, { status: 'awaiting_acknowledgement' });
      const first = record.next(state);
      expect(first.since).toBe(0);
      expect(await stores.records.saveCaseChange(first)).toMatchObject({ outcome: 'written' });
      record.confirm(first.version);
      // Two writes on their way at once; the later one lands first.
      Object.assign(state, {
        status: 'awaiting_return',
        version: 2,
        acknowledgement: { contactName: 'Ana Núñez', contactEmail: 'ana@vendor.example', at: T0 + 2 },
      });
      state.timeline.push({ seq: 2, at: T0 + 2, type: 'acknowledged', actor: 'vendor', summary: 'Acknowledged' });
      const second = record.next(state);
      Object.assign(state, {
        status: 'packaging',
        version: 3,
        returnRounds: [{ round: 1, submittedAt: T0 + 3, files: 1, bytes: 10, categories: [], shortfalls: [] }],
      });
      state.timeline.push({ seq: 3, at: T0 + 3, type: 'return_submitted', actor: 'vendor', summary: 'Submitted' });
      const third = record.next(state);
      expect(Object.keys(second.set).sort()).toEqual(['acknowledgement', 'status', 'version']);
      expect(Object.keys(third.set)).toEqual(expect.arrayContaining(['acknowledgement', 'status', 'returnRounds']));
      expect(second.set).not.toHaveProperty('input');
      expect(await stores.records.saveCaseChange(third)).toMatchObject({ outcome: 'written' });
      expect(await stores.records.saveCaseChange(second)).toEqual({ outcome: 'stale' });
      record.confirm(third.version);
      record.confirm(second.version);
      let kept = (await stores.records.getCase('Case0003'))!;
      expect(kept.status).toBe('packaging');
      expect(kept.state.acknowledgement?.contactName).toBe('Ana Núñez');
      expect(kept.returnPackages).toHaveLength(1);
      expect(kept.timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
      // A field that goes away is removed; a repeated write (a retried activity) changes nothing.
      Object.assign(state, { version: 4 });
      delete state.acknowledgement;
      const fourth = record.next(state);
      expect(fourth).toMatchObject({ since: 3, unset: ['acknowledgement'], events: [] });
      expect(await stores.records.saveCaseChange(fourth)).toMatchObject({ outcome: 'written' });
      expect(await stores.records.saveCaseChange(fourth)).toMatchObject({ outcome: 'written' });
      record.confirm(fourth.version);
      kept = (await stores.records.getCase('Case0003'))!;
      expect(kept.state).not.toHaveProperty('acknowledgement');
      expect(kept.timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(kept.state).toEqual(JSON.parse(JSON.stringify(state)));
      // A record that lost versions (restored from an older backup) answers `behind`; a whole write mends it.
      await stores.database.run('DELETE FROM case_events WHERE case_id = ?', ['Case0003']);
      await stores.database.run('DELETE FROM return_packages WHERE case_id = ?', ['Case0003']);
      await stores.database.run('DELETE FROM cases WHERE case_id = ?', ['Case0003']);
      state.version = 5;
      expect(await stores.records.saveCaseChange(record.next(state))).toEqual({ outcome: 'behind' });
      record.forget();
      const whole = record.next(state);
      expect(whole.since).toBe(0);
      expect(await stores.records.saveCaseChange(whole)).toMatchObject({ outcome: 'written' });
      expect((await stores.records.getCase('Case0003'))!.state).toEqual(JSON.parse(JSON.stringify(state)));
    });

    it('lists by status, by vendor (any case, % and _ taken literally) and by overdue, newest first', async () => {
      await stores.records.saveCase(caseAt('CaseA001', 1, { status: 'awaiting_return', createdAt: T0 }));
      await stores.records.saveCase({
        ...caseAt('CaseB001', 1, { status: 'completed', createdAt: T0 + 1000 }),
        input: caseInput({ vendor: { name: 'Ünïcode 100% Learning_Co' } }),
      });
      await stores.records.saveCase({
        ...caseAt('CaseC001', 1, { status: 'awaiting_return', createdAt: T0 + 2000 }),
        tasks: [{ kind: 'return', gen: 1, openedAt: T0, dueAt: T0 + 5, noticeSent: true, reminders: 0, overdue: true }],
      });
      expect((await stores.records.listCases()).map((c) => c.caseId)).toEqual(['CaseC001', 'CaseB001', 'CaseA001']);
      expect((await stores.records.listCases({ status: 'awaiting_return' })).map((c) => c.caseId)).toEqual([
        'CaseC001',
        'CaseA001',
      ]);
      expect((await stores.records.listCases({ vendor: 'vendor case' })).map((c) => c.caseId)).toEqual([
        'CaseC001',
        'CaseA001',
      ]);
      expect((await stores.records.listCases({ vendor: '100% learning_' })).map((c) => c.caseId)).toEqual(['CaseB001']);
      expect((await stores.records.listCases({ vendor: '100_' })).map((c) => c.caseId)).toEqual([]);
      const overdue = await stores.records.listCases({ overdue: true });
      expect(overdue).toMatchObject([
        { caseId: 'CaseC001', overdue: true, dueAt: T0 + 5, openTask: { kind: 'return', gen: 1, dueAt: T0 + 5 } },
      ]);
    });

    it('keeps each message of a case with its attempts and outcome, and the bytes of the one that went out', async () => {
      const eml = Buffer.from(
        'Message-ID: <m1@x>\r\nSubject: Termination notice\r\n\r\nDear Dana, \u00e9\u00e8 \u738b\r\n\x00\xff',
        'latin1',
      );
      const base = {
        messageId: '<m1@x>',
        caseId: 'Mail0001',
        kind: 'notice',
        audience: 'vendor' as const,
        recipients: ['a@v.example', 'b@v.example'],
        subject: 'Termination notice',
      };
      await stores.records.recordMessage({ ...base, attemptedAt: T0, outcome: 'failed', detail: '421 busy' });
      await stores.records.recordMessage({ ...base, attemptedAt: T0 + 5000, outcome: 'sent', detail: '250 OK', eml });
      await stores.records.recordMessage({
        ...base,
        messageId: '<m0@x>',
        kind: 'review_request',
        audience: 'district',
        attemptedAt: T0 - 1000,
        outcome: 'sent',
        detail: '250 OK',
        eml: Buffer.from('x'),
      });
      const messages = await stores.records.listMessages('Mail0001');
      expect(messages.map((m) => m.messageId)).toEqual(['<m0@x>', '<m1@x>']);
      expect(messages[1]).toMatchObject({
        ...base,
        attempts: 2,
        outcome: 'sent',
        detail: '250 OK',
        attemptedAt: T0 + 5000,
      });
      expect(messages[1]!.eml!.equals(eml)).toBe(true);
      expect(await stores.records.listMessages('Other0001')).toEqual([]);
    });

    it("counts the dashboard's numbers: by status, overdue, due this week, completed this month, twelve months opened and closed", async () => {
      const now = Date.parse('2026-12-15T12:00:00Z');
      const day = 86_400_000;
      const task = (dueAt: number, overdue = false) => [
        { kind: 'return' as const, gen: 1, openedAt: now - day, dueAt, noticeSent: true, reminders: 0, overdue },
      ];
      await stores.records.saveCase(
        caseAt('Dash0001', 1, {
          status: 'awaiting_return',
          createdAt: Date.parse('2026-12-02T09:00:00Z'),
          tasks: task(now + 2 * day),
        }),
      );
      await stores.records.saveCase(
        caseAt('Dash0002', 1, {
          status: 'awaiting_return',
          createdAt: Date.parse('2026-11-20T09:00:00Z'),
          tasks: task(now - day, true),
        }),
      );
      await stores.records.saveCase(
        caseAt('Dash0003', 1, {
          status: 'awaiting_acknowledgement',
          createdAt: Date.parse('2026-11-21T09:00:00Z'),
          tasks: task(now + 20 * day),
        }),
      );
      const statement = {
        statementId: 'st-dash-0004',
        issuedAt: Date.parse('2026-12-03T10:00:00Z'),
        sha256: 'a'.repeat(64),
        signature: 's',
        keyId: 'k',
        bytes: 1,
      };
      await stores.records.saveCase(
        caseAt('Dash0004', 1, { status: 'completed', createdAt: Date.parse('2026-10-01T09:00:00Z'), statement }),
      );
      await stores.records.saveCase(
        caseAt('Dash0005', 1, {
          status: 'completed',
          createdAt: Date.parse('2025-12-01T09:00:00Z'),
          statement: {
            ...statement,
            statementId: 'st-dash-0005',
            sha256: 'b'.repeat(64),
            issuedAt: Date.parse('2026-11-30T23:00:00Z'),
          },
        }),
      );
      await stores.records.saveCase(
        caseAt('Dash0006', 1, {
          status: 'cancelled',
          createdAt: Date.parse('2026-12-01T00:00:00Z'),
          cancellation: {
            reason: 'renewed',
            by: 'user:ada',
            at: Date.parse('2026-12-05T00:00:00Z'),
            fromStatus: 'awaiting_return',
          },
        }),
      );
      const dash = await stores.records.dashboard(now);
      expect(dash.byStatus).toMatchObject({
        awaiting_return: 2,
        awaiting_acknowledgement: 1,
        completed: 2,
        cancelled: 1,
        packaging: 0,
      });
      expect(dash).toMatchObject({ overdue: 1, dueThisWeek: 1, completedThisMonth: 1 });
      expect(dash.months).toHaveLength(12);
      expect(dash.months[0]).toEqual({ month: '2026-01', opened: 0, closed: 0 });
      expect(dash.months.slice(-3)).toEqual([
        { month: '2026-10', opened: 1, closed: 0 },
        { month: '2026-11', opened: 2, closed: 1 },
        { month: '2026-12', opened: 2, closed: 2 },
      ]);
    });

    it('pages the list by keyset in every order, each case once, with filters kept', async () => {
      const statuses = ['awaiting_return', 'completed', 'awaiting_acknowledgement', 'packaging'] as const;
      for (let i = 0; i < 23; i += 1) {
        const due = i % 5 === 0 ? undefined : T0 + ((i * 7) % 11) * 1000; // ties in due time, and cases with none
        await stores.records.saveCase(
          caseAt(`Page${String(i).padStart(4, '0')}`, 1, {
            status: statuses[i % 4]!,
            createdAt: T0 + (i % 6) * 1000, // ties in creation time too
            tasks:
              due === undefined
                ? []
                : [
                    {
                      kind: 'return',
                      gen: 1,
                      openedAt: T0,
                      dueAt: due,
                      noticeSent: true,
                      reminders: 0,
                      overdue: i % 3 === 0,
                    },
                  ],
          }),
        );
      }
      const all = await stores.records.listCases();
      for (const sort of ['created', 'due', 'status', 'vendor'] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.records.pageCases({}, { limit: 5, sort, ...(cursor ? { cursor } : {}) });
          expect(page.cases.length).toBeLessThanOrEqual(5);
          seen.push(...page.cases.map((c) => c.caseId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.sort()).toEqual(all.map((c) => c.caseId).sort());
        const one = await stores.records.pageCases({}, { limit: 23, sort });
        expect(one.nextCursor).toBeUndefined();
        if (sort === 'created') expect(one.cases.map((c) => c.caseId)).toEqual(all.map((c) => c.caseId));
        if (sort === 'due') {
          const dues = one.cases.map((c) => c.dueAt ?? Number.MAX_SAFE_INTEGER);
          expect(dues).toEqual([...dues].sort((a, b) => a - b));
        }
        if (sort === 'vendor') {
          const names = one.cases.map((c) => c.vendorName.toLowerCase());
          expect(names).toEqual([...names].sort());
        }
        if (sort === 'status') {
          const ranks = one.cases.map((c) =>
            ['awaiting_acknowledgement', 'awaiting_return', 'packaging', 'completed'].indexOf(c.status),
          );
          expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        }
      }
      const overdue = await stores.records.pageCases({ overdue: true }, { limit: 2, sort: 'due' });
      const rest = await stores.records.pageCases(
        { overdue: true },
        { limit: 50, sort: 'due', cursor: overdue.nextCursor! },
      );
      expect([...overdue.cases, ...rest.cases].every((c) => c.overdue)).toBe(true);
      expect(overdue.cases.length + rest.cases.length).toBe((await stores.records.listCases({ overdue: true })).length);
      await expect(
        stores.records.pageCases({}, { limit: 5, sort: 'due', cursor: overdue.nextCursor!.slice(0, -2) }),
      ).rejects.toThrow(/cursor: not one this list gave/);
      const created = await stores.records.pageCases({}, { limit: 5, sort: 'created' });
      await expect(
        stores.records.pageCases({}, { limit: 5, sort: 'status', cursor: created.nextCursor! }),
      ).rejects.toThrow(/for sort=status/);
    });

    it('seals the personal data in its rows, each value bound to its row, and seals what an earlier version wrote in the clear', async () => {
      const contact = { contactName: 'Zofia Ułańska-Przybył', contactEmail: 'zofia.sealed@vendor.example' };
      const state = caseAt('Seal0001', 2, {
        input: caseInput({ vendor: { name: 'Vendor Seal0001', ...contact } }),
        returnRounds: [
          {
            round: 1,
            submittedAt: T0,
            files: 1,
            bytes: 10,
            categories: [],
            shortfalls: [],
            fileNames: ['grades-of-kowalski.csv'],
          } as never,
        ],
      });
      state.timeline[1] = {
        ...state.timeline[1]!,
        summary: 'Contact changed to zofia.sealed@vendor.example',
        detail: { was: 'Dana' },
      };
      await stores.records.saveCase(state);
      await stores.records.recordMessage({
        messageId: '<seal@x>',
        caseId: 'Seal0001',
        kind: 'notice',
        audience: 'vendor',
        recipients: [contact.contactEmail],
        subject: 'Termination notice',
        attemptedAt: T0,
        outcome: 'failed',
        detail: `550 ${contact.contactEmail} unknown`,
        eml: Buffer.from(`To: ${contact.contactEmail}\r\n\r\nDear Zofia Ułańska-Przybył`),
      });
      const clear = [contact.contactName, contact.contactEmail, 'grades-of-kowalski', 'Dana'];
      const rows = JSON.stringify([
        await stores.database.all('SELECT * FROM cases'),
        await stores.database.all('SELECT * FROM case_events'),
        await stores.database.all('SELECT * FROM return_packages'),
        (await stores.database.all<{ eml: Uint8Array }>('SELECT * FROM case_messages')).map((m) => ({
          ...m,
          eml: Buffer.from(m.eml).toString('latin1'),
        })),
      ]);
      for (const text of clear) expect(rows).not.toContain(text);
      expect(rows).toContain('Vendor Seal0001'); // what lists and sorts cases stays readable
      const record = (await stores.records.getCase('Seal0001'))!;
      expect(record.state.input.vendor).toMatchObject(contact);
      expect(record.timeline[1]).toMatchObject({
        summary: 'Contact changed to zofia.sealed@vendor.example',
        detail: { was: 'Dana' },
      });
      expect(record.returnPackages[0]).toMatchObject({ fileNames: ['grades-of-kowalski.csv'] });
      expect((await stores.records.listMessages('Seal0001'))[0]).toMatchObject({
        recipients: [contact.contactEmail],
        detail: `550 ${contact.contactEmail} unknown`,
      });

      // A value moved into another case's row does not open there.
      await stores.records.saveCase(caseAt('Seal0002', 1));
      const sealed = (await stores.database.get<{ state_json: string }>(
        'SELECT state_json FROM cases WHERE case_id = ?',
        ['Seal0001'],
      ))!.state_json;
      await stores.database.run('UPDATE cases SET state_json = ? WHERE case_id = ?', [sealed, 'Seal0002']);
      await expect(stores.records.getCase('Seal0002')).rejects.toThrow();

      // Rows an earlier version wrote in the clear are read as they are, and sealed when a keyring is bound (once
      // per database: the fact that it was done is forgotten here, as for a database an earlier version wrote).
      await stores.database.run('UPDATE cases SET state_json = ? WHERE case_id = ?', [
        JSON.stringify({ ...state, caseId: 'Seal0002', timeline: undefined }),
        'Seal0002',
      ]);
      await stores.database.run('UPDATE case_events SET summary = ? WHERE case_id = ? AND seq = 1', [
        'Called Zofia Ułańska-Przybył',
        'Seal0002',
      ]);
      expect((await stores.records.getCase('Seal0002'))!.state.input.vendor.contactEmail).toBe(contact.contactEmail);
      await stores.database.run('DELETE FROM store_facts');
      const keysDir = path.join(settings.dataDir, 'keys');
      await stores.bindKeyring(
        { keysDir, ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}) },
        Keyring.open(keysDir),
      );
      const after = JSON.stringify([
        await stores.database.all('SELECT * FROM cases'),
        await stores.database.all('SELECT * FROM case_events'),
      ]);
      for (const text of clear) expect(after).not.toContain(text);
      expect((await stores.records.getCase('Seal0002'))!.timeline[0]!.summary).toBe('Called Zofia Ułańska-Przybył');
    });

    it('owns the legal hold: one write path, and each destruction decided against it in one transaction', async () => {
      const hold = (on: boolean, at: number) => ({
        on,
        reason: on ? 'Litigation hold 2026-41, Łódź' : 'Settled',
        by: 'user:lee',
        at,
      });
      // A case held before the hold had a table of its own: its state's history counts, and is carried over.
      await stores.records.saveCase({ ...caseAt('Hold0001', 1), legalHold: [hold(true, T0)] });
      expect(await stores.records.legalHolds('Hold0001')).toEqual([hold(true, T0)]);
      expect(await stores.records.claimDestruction('Hold0001', 'staged files', T0 + 1)).toEqual({
        held: hold(true, T0),
      });
      expect(
        await stores.records.setLegalHold('Hold0001', { ...hold(true, T0 + 2), reason: 'Another matter' }),
      ).toEqual({ refused: 'the legal hold is already on' });
      expect(await stores.records.setLegalHold('Hold0001', hold(true, T0 + 2))).toEqual({ repeated: true }); // a retried request
      expect(await stores.records.setLegalHold('Hold0001', hold(false, T0 + 3))).toEqual({
        history: [hold(true, T0), hold(false, T0 + 3)],
        destructionsBegun: [],
      });
      expect((await stores.records.getCase('Hold0001'))!.state.legalHold).toEqual([
        hold(true, T0),
        hold(false, T0 + 3),
      ]);
      expect(await stores.records.claimDestruction('Hold0001', 'staged files', T0 + 4)).toEqual({
        claimed: { what: 'staged files', at: T0 + 4 },
      });
      // A hold set after a destruction was decided does not undo it, and says so.
      expect(await stores.records.setLegalHold('Hold0001', hold(true, T0 + 5))).toMatchObject({
        destructionsBegun: [{ what: 'staged files', at: T0 + 4 }],
      });
      expect(JSON.stringify(await stores.database.all('SELECT * FROM legal_holds'))).not.toContain('Łódź'); // the reason is sealed

      // A hold and a destruction asked for at once: the destruction is held, or decided before the hold (which then names it).
      await stores.records.saveCase(caseAt('Hold0002', 1));
      for (let i = 0; i < 12; i += 1) {
        const what = `package p${i}`;
        const [set, claim] = await Promise.all([
          stores.records.setLegalHold('Hold0002', hold(true, T0 + 10 * i)),
          stores.records.claimDestruction('Hold0002', what, T0 + 10 * i),
        ]);
        if (!('history' in set)) throw new Error(`the hold was refused: ${JSON.stringify(set)}`);
        const named = set.destructionsBegun.some((d) => d.what === what);
        expect({ i, held: 'held' in claim, named }).toEqual({ i, held: !named, named });
        expect(await stores.records.setLegalHold('Hold0002', hold(false, T0 + 10 * i + 1))).toMatchObject({
          history: expect.any(Array),
        });
      }
    });

    it('remembers each sent message once', async () => {
      expect(await stores.records.mailSent('<m1@x>')).toBe(false);
      await stores.records.recordMailSent('<m1@x>', 'Case0003', 'notice');
      await stores.records.recordMailSent('<m1@x>', 'Case0003', 'notice');
      expect(await stores.records.mailSent('<m1@x>')).toBe(true);
    });
  });

  describe('accounts', () => {
    it('adds users once, whatever the letter case, and finds them in any case', async () => {
      await stores.users.addUser({ username: 'Ada', role: 'admin', email: 'ada@district.example', passwordHash: 'h1' });
      await expect(stores.users.addUser({ username: 'ada', role: 'legal', passwordHash: 'h2' })).rejects.toBeInstanceOf(
        DuplicateUserError,
      );
      expect(await stores.users.getUser('ADA')).toMatchObject({ username: 'Ada', role: 'admin', passwordHash: 'h1' });
      expect(await stores.users.countUsers()).toBe(1);
      expect(await stores.users.listUsers()).toEqual([
        { username: 'Ada', role: 'admin', email: 'ada@district.example', createdAt: expect.any(Number) },
      ]);
    });

    it('keeps sessions until they expire or end', async () => {
      await stores.users.addUser({ username: 'lee', role: 'legal', passwordHash: 'h' });
      await stores.users.createSession('s1', { username: 'lee', role: 'legal', csrfToken: 'c1', expiresAt: T0 + 1000 });
      expect(await stores.users.getSession('s1', T0)).toEqual({
        username: 'lee',
        role: 'legal',
        csrfToken: 'c1',
        expiresAt: T0 + 1000,
      });
      expect(await stores.users.getSession('s1', T0 + 1000)).toBeUndefined();
      await stores.users.touchSession('s1', T0 + 5000);
      expect((await stores.users.getSession('s1', T0 + 1000))?.expiresAt).toBe(T0 + 5000);
      await stores.users.deleteSession('s1');
      expect(await stores.users.getSession('s1', T0)).toBeUndefined();
    });

    it('lets exactly five of fifteen simultaneous sign-in attempts through, then locks the name', async () => {
      const policy = { lockAfter: 5, lockMs: 60_000 };
      const attempts = await Promise.all(
        Array.from({ length: 15 }, () => stores.users.claimLoginAttempt('Target', T0, policy)),
      );
      expect(attempts.filter((a) => a.allowed)).toHaveLength(5);
      expect(attempts.filter((a) => !a.allowed)).toHaveLength(10);
      expect(await stores.users.claimLoginAttempt('target', T0 + 59_999, policy)).toEqual({
        allowed: false,
        lockedUntil: T0 + 60_000,
      });
      // After the lock, one more failure locks again at once; a success clears the count.
      expect(await stores.users.claimLoginAttempt('TARGET', T0 + 60_000, policy)).toEqual({
        allowed: true,
        failures: 6,
      });
      await stores.users.clearLoginAttempts('target');
      expect(await stores.users.claimLoginAttempt('target', T0 + 60_001, policy)).toEqual({
        allowed: true,
        failures: 1,
      });
    });
  });

  describe('access log', () => {
    it('stays one unbroken chain when two servers append at once', async () => {
      await appendFromProcesses(settings, 2, 60);
      const verdict = await stores.accessLog.verify();
      expect(verdict).toMatchObject({ ok: true, entries: 120 });
      const entries = await stores.accessLog.list();
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['server-0', 'server-1']));
    }, 60_000);

    it('chains a burst of appends from one process, each answered with its own entry', async () => {
      const entries = await Promise.all(
        Array.from({ length: 250 }, (_, i) =>
          stores.accessLog.append({ actor: `user:${i}`, role: 'admin', action: `read ${i}`, outcome: 'ok' }),
        ),
      );
      expect(entries.map((e) => e.actor)).toEqual(Array.from({ length: 250 }, (_, i) => `user:${i}`));
      expect(new Set(entries.map((e) => e.seq)).size).toBe(250);
      expect(await stores.accessLog.verify()).toMatchObject({ ok: true, entries: 250 });
    });

    it('takes writes from two openings in one process at once (`npm start` runs the worker and the server together)', async () => {
      const other = await openStores(settings);
      const keysDir = path.join(settings.dataDir, 'keys');
      const keyring = Keyring.open(keysDir);
      await other.bindKeyring(
        { keysDir, ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}) },
        keyring,
      );
      try {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? other : stores).accessLog.append({
              actor: `opening:${i % 2}`,
              role: 'system',
              action: `write ${i}`,
              outcome: 'ok',
            }),
          ),
        );
        await Promise.all([
          stores.users.claimLoginAttempt('both', T0, { lockAfter: 5, lockMs: 1000 }),
          other.users.claimLoginAttempt('both', T0, { lockAfter: 5, lockMs: 1000 }),
        ]);
      } finally {
        keyring.close();
        await other.close();
      }
      expect(await stores.accessLog.verify()).toMatchObject({ ok: true, entries: 40 });
      expect(await stores.users.claimLoginAttempt('both', T0, { lockAfter: 5, lockMs: 1000 })).toEqual({
        allowed: true,
        failures: 3,
      });
    }, 30_000);

    it('refuses to change or remove an entry, and names an altered one', async () => {
      for (const action of ['one', 'two', 'three'])
        await stores.accessLog.append({ actor: 'user:ada', role: 'admin', action, caseId: 'Case0004', outcome: 'ok' });
      await expect(stores.database.run("UPDATE access_log SET actor = 'someone else' WHERE seq = 2")).rejects.toThrow(
        /append-only/,
      );
      await expect(stores.database.run('DELETE FROM access_log WHERE seq = 3')).rejects.toThrow(/append-only/);
      expect(await stores.accessLog.caseHead('Case0004')).toBe((await stores.accessLog.list()).at(-1)!.hash);
      expect(await stores.accessLog.verify()).toMatchObject({ ok: true, entries: 3 });
    });

    it('keeps intrusion events by time and source', async () => {
      await stores.accessLog.recordIntrusion({
        at: T0,
        kind: 'failed_login',
        ip: '192.0.2.1',
        path: '/api/auth/login',
        reason: 'wrong password',
      });
      const second = await stores.accessLog.recordIntrusion({
        at: T0 + 10,
        kind: 'refused_link',
        ip: '192.0.2.2',
        userAgent: 'curl',
        path: '/v/:token',
        reason: 'altered',
      });
      expect(second.id).toBeGreaterThan(0);
      expect(await stores.accessLog.intrusions({ ip: '192.0.2.2' })).toEqual([
        {
          id: second.id,
          at: T0 + 10,
          kind: 'refused_link',
          ip: '192.0.2.2',
          userAgent: 'curl',
          path: '/v/:token',
          reason: 'altered',
        },
      ]);
      expect((await stores.accessLog.intrusions({ from: T0 + 1 })).map((e) => e.kind)).toEqual(['refused_link']);
    });

    it("seals an intrusion's reason, which may name a person, and still checks the chain without opening it", async () => {
      const reason = 'this is not the code sent to morgan.reyes@acme-learning.example (4 tries left)';
      const event = await stores.accessLog.recordIntrusion({
        at: T0,
        kind: 'wrong_signatory_code',
        ip: '192.0.2.3',
        path: '/api/vendor/:token/certify',
        reason,
      });
      const raw = await stores.database.get<{ reason: string; prev_hash: string }>(
        'SELECT reason, prev_hash FROM intrusion_events WHERE id = ?',
        [event.id],
      );
      expect(raw!.reason).not.toContain('morgan');
      expect(raw!.reason.startsWith('~s1~')).toBe(true);
      expect(await stores.accessLog.intrusions({ ip: '192.0.2.3' })).toMatchObject([
        { id: event.id, kind: 'wrong_signatory_code', reason },
      ]);
      expect(await stores.accessLog.verifyIntrusions()).toMatchObject({ ok: true, events: 1 });
      // Sealed for its own place in the chain: the same sealed text on another event does not open there.
      const other = await stores.accessLog.recordIntrusion({
        at: T0 + 1,
        kind: 'refused_link',
        ip: '192.0.2.4',
        path: '/v/:token',
        reason: 'altered',
      });
      const otherRaw = await stores.database.get<{ prev_hash: string }>(
        'SELECT prev_hash FROM intrusion_events WHERE id = ?',
        [other.id],
      );
      expect(() => stores.seal.open(raw!.reason, `intrusion|${otherRaw!.prev_hash}|reason`)).toThrow();
    });
  });

  describe('shared counters', () => {
    it('counts every hit of a window once, however many arrive together, and starts a new window after it', async () => {
      const hits = await Promise.all(
        Array.from({ length: 30 }, () => stores.counters.hit('sign-in|192.0.2.9', 60_000, T0)),
      );
      expect(hits.map((h) => h.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await stores.counters.hit('sign-in|192.0.2.9', 60_000, T0 + 59_999)).toEqual({ hits: 31, startedAt: T0 });
      expect(await stores.counters.hit('sign-in|192.0.2.9', 60_000, T0 + 60_000)).toEqual({
        hits: 1,
        startedAt: T0 + 60_000,
      });
    });

    it('grants a claim once per window', async () => {
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => stores.counters.claimOnce('burst|192.0.2.9', 300_000, T0)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await stores.counters.claimOnce('burst|192.0.2.9', 300_000, T0 + 299_999)).toBe(false);
      expect(await stores.counters.claimOnce('burst|192.0.2.9', 300_000, T0 + 300_000)).toBe(true);
    });
  });

  describe('signatory codes', () => {
    const key = 'Case0001/certify/1/';
    it('counts every wrong try once, however many arrive together, and a new code starts the count again', async () => {
      await stores.signatories.issue(key, 'a@vendor.example', 'k1:hash-1', T0, T0 + 900_000);
      const tries = await Promise.all(
        Array.from({ length: 7 }, () => stores.signatories.fail(key, 'a@vendor.example')),
      );
      expect([...tries].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await stores.signatories.issue(key, 'a@vendor.example', 'k1:hash-2', T0 + 60_000, T0 + 960_000);
      expect(await stores.signatories.get(key, ['a@vendor.example'])).toEqual({
        taskKey: key,
        email: 'a@vendor.example',
        codeHash: 'k1:hash-2',
        sentAt: T0 + 60_000,
        expiresAt: T0 + 960_000,
        attempts: 0,
      });
      expect(await stores.signatories.get(key, ['b@vendor.example'])).toBeUndefined();
      // An address is named once per link key: a code sent under an older key is found by that key's name.
      await stores.signatories.issue(key, 'k0:address', 'k0:hash-0', T0, T0 + 900_000);
      expect(await stores.signatories.get(key, ['k1:address', 'k0:address'])).toMatchObject({
        email: 'k0:address',
        codeHash: 'k0:hash-0',
      });
      expect(await stores.signatories.get(key, [])).toBeUndefined();
    });

    it('keeps a verification: a later code for the same address does not replace it, and forgetting leaves it', async () => {
      await stores.signatories.issue(key, 'a@vendor.example', 'k1:hash-1', T0, T0 + 900_000);
      await stores.signatories.verify(key, 'a@vendor.example', T0 + 5_000, '203.0.113.7', 'Browser/1.0');
      await stores.signatories.issue(key, 'a@vendor.example', 'k1:hash-2', T0 + 10_000, T0 + 910_000);
      await stores.signatories.forget(key, 'a@vendor.example');
      expect(await stores.signatories.get(key, ['a@vendor.example'])).toMatchObject({
        codeHash: 'k1:hash-1',
        verified: { at: T0 + 5_000, ip: '203.0.113.7', userAgent: 'Browser/1.0' },
      });
      await stores.signatories.issue(key, 'c@vendor.example', 'k1:hash-3', T0, T0 + 900_000);
      await stores.signatories.forget(key, 'c@vendor.example');
      expect(await stores.signatories.get(key, ['c@vendor.example'])).toBeUndefined();
    });
  });
});
