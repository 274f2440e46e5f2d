// Anyone holding a statement can ask whether it is genuine and untouched: its SHA-256 must be one we issued,
// and our signature over it must verify.
import crypto from 'node:crypto';
import { statementSigningText } from '../activities/generate-statement';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { Keyring } from '../infra/keys';

export interface StatementVerdict {
  valid: boolean;
  statementId?: string;
  reason?: string;
  /** What was verified, when the file is genuine: a reader checks these against the paper in hand. */
  caseId?: string;
  vendorName?: string;
  contractId?: string;
  issuedAt?: string;
  sha256?: string;
  /** The key that signed it: its id, and the SHA-256 of its public key (SPKI DER), in hex pairs. */
  signer?: { keyId: string; fingerprint: string };
}

/** A signing key's fingerprint as readers compare it by eye: SHA-256 of the public key, hex pairs. */
export function keyFingerprint(key: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** What verification needs of a file: its SHA-256 and its first bytes. */
export interface StatementDigest {
  sha256: string;
  head: Buffer;
}

export class StatementTooLargeError extends Error {
  override name = 'StatementTooLargeError';
}

/** No statement we issue comes near this; anything larger is not one of ours, and is not read further. */
export const STATEMENT_MAX_BYTES = 64 * 1024 * 1024;

/** Hashes a file as it streams in, never holding it whole; stops (and fails) past `maxBytes`. */
export async function digestStatement(source: AsyncIterable<Buffer | string>, maxBytes = STATEMENT_MAX_BYTES): Promise<StatementDigest> {
  const hash = crypto.createHash('sha256');
  let head = Buffer.alloc(0);
  let bytes = 0;
  for await (const chunk of source) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += data.length;
    if (bytes > maxBytes) throw new StatementTooLargeError(`the file is larger than ${maxBytes} bytes, more than any statement`);
    if (head.length < 5) head = Buffer.concat([head, data.subarray(0, 5 - head.length)]);
    hash.update(data);
  }
  return { sha256: hash.digest('hex'), head };
}

export async function verifyStatementPdf(pdf: Buffer, records: Pick<CaseRecordStore, 'findStatementBySha256'>, keyring: Keyring): Promise<StatementVerdict> {
  return verifyStatementDigest({ sha256: crypto.createHash('sha256').update(pdf).digest('hex'), head: pdf.subarray(0, 5) }, records, keyring);
}

export async function verifyStatementDigest({ sha256, head }: StatementDigest, records: Pick<CaseRecordStore, 'findStatementBySha256'>, keyring: Keyring): Promise<StatementVerdict> {
  if (head.length < 5 || head.subarray(0, 5).toString('latin1') !== '%PDF-') return { valid: false, reason: 'this file is not a PDF' };
  const statement = await records.findStatementBySha256(sha256);
  if (!statement) {
    return { valid: false, reason: 'no statement issued here has exactly these bytes: the file was altered, or it is not one of our statements' };
  }
  const key = keyring.signingPublicKey(statement.keyId);
  const signed = key && crypto.verify(null, Buffer.from(statementSigningText(statement.statementId, sha256)), key, Buffer.from(statement.signature, 'base64'));
  if (!signed) return { valid: false, statementId: statement.statementId, reason: 'the recorded signature does not verify: the record was altered' };
  return {
    valid: true,
    statementId: statement.statementId,
    caseId: statement.caseId,
    vendorName: statement.vendorName,
    contractId: statement.contractId,
    issuedAt: new Date(statement.issuedAt).toISOString(),
    sha256,
    signer: { keyId: statement.keyId, fingerprint: keyFingerprint(key) },
  };
}
