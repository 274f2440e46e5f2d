// A case's status is stored by its name. Lists sort by lifecycle order through `cases.status_rank`, a copy of the
// status's place kept beside the name so keyset paging can use an index. Which order those ranks follow is written in
// `case_statuses`; each start compares it with the code's list and, when the code brought a status or a new order,
// rewrites the table and re-ranks the cases that moved. Adding a status is a line in domain/statuses.ts, no migration.
import type { SqlTransaction } from './sql-database';

export interface RankSync {
  /** Whether the table and the cases' ranks were rewritten. */
  changed: boolean;
  /** Cases whose rank moved. */
  reranked: number;
  /** Statuses the database knows and this code does not: a newer release ranked it, and this one leaves it be. */
  unknown: string[];
}

/** Brings `case_statuses` and `cases.status_rank` in line with `statuses` (in lifecycle order), in the caller's transaction. */
export async function syncStatusRanks(tx: SqlTransaction, statuses: readonly string[]): Promise<RankSync> {
  const stored = await tx.all<{ name: string; rank: number }>('SELECT name, rank FROM case_statuses');
  const unknown = stored.map((row) => row.name).filter((name) => !statuses.includes(name));
  // A release older than the one that last ranked this database (say, during a rolling upgrade) keeps its hands off.
  // (A release that drops a status moves the cases out of it first, in a migration, and deletes its row.)
  if (unknown.length > 0) return { changed: false, reranked: 0, unknown };
  const same =
    stored.length === statuses.length && stored.every((row) => statuses.indexOf(row.name) === Number(row.rank));
  if (same) return { changed: false, reranked: 0, unknown };
  await tx.run('DELETE FROM case_statuses');
  for (const [rank, name] of statuses.entries())
    await tx.run('INSERT INTO case_statuses (name, rank) VALUES (?, ?)', [name, rank]);
  // A status no list names (there should be none) sorts after every known one.
  const rankOf = `COALESCE((SELECT s.rank FROM case_statuses s WHERE s.name = cases.status), ${statuses.length})`;
  const { changes } = await tx.run(`UPDATE cases SET status_rank = ${rankOf} WHERE status_rank <> ${rankOf}`);
  return { changed: true, reranked: changes, unknown };
}
