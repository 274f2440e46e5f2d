// 7400.1 III.A: builds the return package from exactly the submitted files, heartbeating as bytes go by so a
// dead worker's attempt is retried promptly elsewhere. The same files give the same ZIP and the same hash.
// When the district attached a roster, the same pass matches the returned values against its students' keys
// (infra/package/roster-matcher.ts): the counts go to the case, the missing students to the roster store.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { RosterCoverage, StagedFileRef } from '../domain/case-state';
import { rosterKeys } from '../domain/roster';
import type { SqlRosterStore } from '../infra/database/roster-store';
import { RosterMatchThread } from '../infra/package/roster-match-thread';
import { packRosterKeys } from '../infra/package/roster-matcher';
import { writeReturnPackage, PackageContentError } from '../infra/package/return-package';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import { TamperedDataError } from '../infra/keys/encryption-at-rest';

export interface BuiltReturnPackage {
  packageId: string;
  zipSha256: string;
  zipBytes: number;
  /** The submitted files with the records counted while packaging. */
  files: StagedFileRef[];
  /** How much of the attached roster the returned data covers (absent: no roster). */
  roster?: RosterCoverage;
}

/**
 * The case's roster handed to a match thread: only its keys, packed when it was attached, go there, and only its
 * size is kept here; the students (names too) are not read. A roster attached before the keys were kept is read
 * once to pack them.
 */
async function startRosterMatch(
  rosters: Pick<SqlRosterStore, 'matchKeys' | 'get'> | undefined,
  caseId: string,
  matched: () => void,
): Promise<{ thread: RosterMatchThread; size: number } | undefined> {
  const stored = await rosters?.matchKeys(caseId);
  if (!stored) return undefined;
  const packed = stored.packed ?? packRosterKeys((await rosters!.get(caseId))!.students.map(rosterKeys));
  return { thread: new RosterMatchThread(packed, { matched }), size: stored.students };
}

export function makeBuildReturnPackage(deps: { storage: CaseFileStorage; rosters?: SqlRosterStore }) {
  return async function buildReturnPackage({
    caseId,
    round,
    files,
  }: {
    caseId: string;
    round: number;
    files: StagedFileRef[];
  }): Promise<BuiltReturnPackage> {
    const packageId = `return-${round}`;
    const context = Context.current();
    const existing = await deps.storage.getPackage(caseId, packageId);

    const entries = [];
    for (const file of files) {
      const staged = await deps.storage.getStaged(caseId, file.fileId);
      if (!staged) throw ApplicationFailure.nonRetryable(`"${file.name}" is no longer staged`, 'StagedFileUnreadable');
      entries.push({ ...file, stagedAt: staged.stagedAt, open: () => deps.storage.openStaged(caseId, file.fileId) });
    }

    // A heartbeat a second at most while bytes are read, or while the roster's match frees room for the reading
    // that waits on it (the match runs at a low priority: on a busy machine it may hold the reading back a while).
    let lastBeat = 0;
    let bytesRead = 0;
    const beat = (): void => {
      const now = Date.now();
      if (now - lastBeat > 1000) {
        lastBeat = now;
        context.heartbeat({ bytes: bytesRead });
      }
    };
    const roster = await startRosterMatch(deps.rosters, caseId, beat);
    const match = roster?.thread;

    const writer = await deps.storage.createPackageWriter(caseId, packageId);
    try {
      const built = await writeReturnPackage(entries, writer.stream, {
        caseId,
        round,
        progress: (bytes) => {
          bytesRead = bytes;
          beat();
        },
        ...(match ? { scan: (name: string) => match.scannerFor(name) } : {}),
      });
      if (context.cancellationSignal.aborted) throw new Error('packaging was cancelled');
      // A retry after a crash between commit and completion finds a stored package whose hash nobody was told
      // (the attempt never completed). The same files and code give the same bytes; a rebuild that differs
      // means the packaging code changed between the attempts (an upgrade), and the new package replaces it.
      if (existing && existing.zipSha256 !== built.zipSha256) {
        log.warn('rebuilt return package replaces an unreported one', {
          caseId,
          packageId,
          stored: existing.zipSha256,
          rebuilt: built.zipSha256,
        });
      }
      await writer.commit({ zipSha256: built.zipSha256, zipBytes: built.zipBytes });
      let coverage: RosterCoverage | undefined;
      if (roster) {
        const { returned, missing } = await roster.thread.finish();
        await deps.rosters!.recordMatch(caseId, { round, matchedAt: Date.now(), returned, missing });
        coverage = { students: roster.size, returned, missing: missing.length };
      }
      const counted = built.recordsByFileId();
      return {
        packageId,
        zipSha256: built.zipSha256,
        zipBytes: built.zipBytes,
        files: files.map((file) => {
          const records = counted.get(file.fileId);
          return { ...file, ...(records !== undefined ? { records } : {}) };
        }),
        ...(coverage ? { roster: coverage } : {}),
      };
    } catch (err) {
      await match?.close();
      await writer.abort();
      if (err instanceof PackageContentError || err instanceof TamperedDataError) {
        throw ApplicationFailure.nonRetryable(err.message, 'StagedFileUnreadable');
      }
      throw err;
    }
  };
}
