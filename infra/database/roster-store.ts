// The roster attached to a case (domain/roster.ts) and what the return's packaging matched of it. The roster is
// student data: its students (keys and names) and its file name are one value sealed with the file key, bound to
// the case, so a copy of the database shows how many students a case has and nobody's name or identifier. The
// missing students are kept as their places in the roster, sealed alike, and so are the students' keys packed for
// the match (infra/package/roster-matcher.ts), which is all that packaging a return reads. Administrators read the
// students, each read logged by the route that serves it; the row is destroyed with the returned package.
import type { Roster, RosterFormat, RosterStudent } from '../../domain/roster';
import type { FieldSeal } from '../keys/field-seal';
import type { SqlDatabase } from './sql-database';

export interface AttachedRoster {
  caseId: string;
  format: RosterFormat;
  students: RosterStudent[];
  skipped: number;
  fileName: string;
  attachedAt: number;
  attachedBy: string;
}

/** What packaging a return found of the roster: how many students appear in it, and the places of the rest. */
export interface RosterMatchResult {
  round: number;
  matchedAt: number;
  returned: number;
  missing: number[];
}

interface Row {
  case_id: string;
  format: RosterFormat;
  students: number;
  skipped: number;
  attached_at: number | string;
  attached_by: string;
  body: Buffer;
  matched_round: number | null;
  matched_at: number | string | null;
  returned: number | null;
  missing: Buffer | null;
  match_keys: Buffer | null;
}

const BOUND = {
  body: (caseId: string) => `roster|${caseId}|body`,
  missing: (caseId: string) => `roster|${caseId}|missing`,
  keys: (caseId: string) => `roster|${caseId}|keys`,
};

export class SqlRosterStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly seal: FieldSeal,
  ) {}

  /**
   * Attaches `roster` to the case, replacing one attached before (and what was matched of it); `matchKeys` are its
   * students' keys as packRosterKeys packs them.
   */
  async attach(
    caseId: string,
    roster: Roster,
    matchKeys: Uint8Array,
    meta: { fileName: string; at: number; by: string },
  ): Promise<void> {
    const body = this.seal.sealBytes(
      Buffer.from(JSON.stringify({ fileName: meta.fileName, students: roster.students })),
      BOUND.body(caseId),
    );
    const keys = this.seal.sealBytes(
      Buffer.from(matchKeys.buffer, matchKeys.byteOffset, matchKeys.byteLength),
      BOUND.keys(caseId),
    );
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM case_rosters WHERE case_id = ?', [caseId]);
      await tx.run(
        'INSERT INTO case_rosters (case_id, format, students, skipped, attached_at, attached_by, body, match_keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [caseId, roster.format, roster.students.length, roster.skipped, meta.at, meta.by, body, keys],
      );
    });
  }

  /**
   * How many students the case's roster has and their keys packed for the match, without reading the students;
   * `packed` is absent for a roster attached before the keys were kept (schema 18), whose students must be read.
   */
  async matchKeys(caseId: string): Promise<{ students: number; packed?: Buffer } | undefined> {
    const row = await this.db.get<Pick<Row, 'students' | 'match_keys'>>(
      'SELECT students, match_keys FROM case_rosters WHERE case_id = ?',
      [caseId],
    );
    if (!row) return undefined;
    const students = Number(row.students);
    if (row.match_keys === null) return { students };
    return { students, packed: this.seal.openBytes(Buffer.from(row.match_keys), BOUND.keys(caseId)) };
  }

  async get(caseId: string): Promise<AttachedRoster | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM case_rosters WHERE case_id = ?', [caseId]);
    if (!row) return undefined;
    const { fileName, students } = JSON.parse(
      this.seal.openBytes(Buffer.from(row.body), BOUND.body(caseId)).toString('utf8'),
    ) as { fileName: string; students: RosterStudent[] };
    return {
      caseId,
      format: row.format,
      students,
      skipped: Number(row.skipped),
      fileName,
      attachedAt: Number(row.attached_at),
      attachedBy: row.attached_by,
    };
  }

  async recordMatch(caseId: string, result: RosterMatchResult): Promise<void> {
    const missing = this.seal.sealBytes(Buffer.from(JSON.stringify(result.missing)), BOUND.missing(caseId));
    await this.db.run(
      'UPDATE case_rosters SET matched_round = ?, matched_at = ?, returned = ?, missing = ? WHERE case_id = ?',
      [result.round, result.matchedAt, result.returned, missing, caseId],
    );
  }

  async match(caseId: string): Promise<RosterMatchResult | undefined> {
    const row = await this.db.get<Row>(
      'SELECT matched_round, matched_at, returned, missing FROM case_rosters WHERE case_id = ?',
      [caseId],
    );
    if (!row || row.matched_round === null || row.missing === null) return undefined;
    return {
      round: Number(row.matched_round),
      matchedAt: Number(row.matched_at),
      returned: Number(row.returned),
      missing: JSON.parse(
        this.seal.openBytes(Buffer.from(row.missing), BOUND.missing(caseId)).toString('utf8'),
      ) as number[],
    };
  }

  /** Destroys the case's roster (with the returned package, at retention's end); true when there was one. */
  async destroy(caseId: string): Promise<boolean> {
    const had = await this.db.get('SELECT case_id FROM case_rosters WHERE case_id = ?', [caseId]);
    await this.db.run('DELETE FROM case_rosters WHERE case_id = ?', [caseId]);
    return !!had;
  }
}
