// How much of a roster a return covers, in words that name no student: the case's timeline, its shortfalls and the
// statement say it. Apart from domain/roster.ts, which reads rosters: the workflow loads this, and not the reader.

/** A count as people read it, in groups of three ("1,198"). */
export const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** How much of the roster a return covers, in one sentence that names no student. */
export const rosterCoverageSentence = (c: { students: number; returned: number }): string =>
  `${grouped(c.returned)} of the ${grouped(c.students)} students on the roster the district shared appear in the returned data.`;

/**
 * The shortfall a return has when students of the roster are missing from it: the district accepts it only with
 * a reason, as for any other shortfall.
 */
export const rosterShortfall = (c: { students: number; missing: number }): string | undefined =>
  c.missing === 0
    ? undefined
    : `Roster: ${grouped(c.missing)} of the ${grouped(c.students)} students on it do not appear in the returned data`;
