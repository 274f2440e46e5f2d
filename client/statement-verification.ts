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
}

export async function verifyStatementPdf(pdf: Buffer, records: Pick<CaseRecordStore, 'findStatementBySha256'>, keyring: Keyring): Promise<StatementVerdict> {
  if (pdf.length < 5 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') return { valid: false, reason: 'this file is not a PDF' };
  const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
  const statement = await records.findStatementBySha256(sha256);
  if (!statement) {
    return { valid: false, reason: 'no statement issued here has exactly these bytes: the file was altered, or it is not one of our statements' };
  }
  const key = keyring.signingPublicKey(statement.keyId);
  const signed = key && crypto.verify(null, Buffer.from(statementSigningText(statement.statementId, sha256)), key, Buffer.from(statement.signature, 'base64'));
  if (!signed) return { valid: false, statementId: statement.statementId, reason: 'the recorded signature does not verify: the record was altered' };
  return { valid: true, statementId: statement.statementId };
}
