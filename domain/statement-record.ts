// What the server key signs for each statement it issues: the statement id and the file's SHA-256, so the
// record's signature tells an untouched statement from an altered one (`/verify`, `disposition statement verify`).
export const statementSigningText = (statementId: string, sha256: string): string =>
  `disposition-statement/1 ${statementId} ${sha256}`;
