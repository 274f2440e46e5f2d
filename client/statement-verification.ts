// Anyone holding a statement can ask whether it is genuine and untouched: its SHA-256 must be one we issued,
// and our signature over it must verify. Away from our server, the signature inside the PDF answers the same
// question against the district's published certificates.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { verifyPdfSignature } from '../infra/statement/pdf-signature';
import { statementSigningText } from '../domain/statement-record';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { Keyring } from '../infra/keys/keys';

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
  /**
   * The key that signed its record: its id and the SHA-256 of its public key (SPKI DER), in hex pairs; and the
   * SHA-256 fingerprint of the certificate that signed inside the PDF, as a PDF reader shows it.
   */
  signer?: { keyId: string; fingerprint: string; certificate?: string };
}

/** A signing key's fingerprint as readers compare it by eye: SHA-256 of the public key, hex pairs. */
export function keyFingerprint(key: crypto.KeyObject): string {
  return crypto
    .createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
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
export async function digestStatement(
  source: AsyncIterable<Buffer | string>,
  maxBytes = STATEMENT_MAX_BYTES,
): Promise<StatementDigest> {
  const hash = crypto.createHash('sha256');
  let head = Buffer.alloc(0);
  let bytes = 0;
  for await (const chunk of source) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += data.length;
    if (bytes > maxBytes)
      throw new StatementTooLargeError(`the file is larger than ${maxBytes} bytes, more than any statement`);
    if (head.length < 5) head = Buffer.concat([head, data.subarray(0, 5 - head.length)]);
    hash.update(data);
  }
  return { sha256: hash.digest('hex'), head };
}

export async function verifyStatementDigest(
  { sha256, head }: StatementDigest,
  records: Pick<CaseRecordStore, 'findStatementBySha256'>,
  keyring: Keyring,
): Promise<StatementVerdict> {
  if (head.length < 5 || head.subarray(0, 5).toString('latin1') !== '%PDF-')
    return { valid: false, reason: 'this file is not a PDF' };
  const statement = await records.findStatementBySha256(sha256);
  if (!statement) {
    return {
      valid: false,
      reason:
        'no statement issued here has exactly these bytes: the file was altered, or it is not one of our statements',
    };
  }
  const key = keyring.signingPublicKey(statement.keyId);
  const signed =
    key &&
    crypto.verify(
      null,
      Buffer.from(statementSigningText(statement.statementId, sha256)),
      key,
      Buffer.from(statement.signature, 'base64'),
    );
  if (!signed)
    return {
      valid: false,
      statementId: statement.statementId,
      reason: 'the recorded signature does not verify: the record was altered',
    };
  return {
    valid: true,
    statementId: statement.statementId,
    caseId: statement.caseId,
    vendorName: statement.vendorName,
    contractId: statement.contractId,
    issuedAt: new Date(statement.issuedAt).toISOString(),
    sha256,
    signer: {
      keyId: statement.keyId,
      fingerprint: keyFingerprint(key),
      ...(statement.certificate ? { certificate: statement.certificate } : {}),
    },
  };
}

/** What a statement says of itself, read from its `statement.json` attachment. */
export interface StatementFacts {
  statementId: string;
  caseId: string;
  vendorName: string;
  contractId: string;
  issuedAt: string;
  district: string;
}

/** A statement checked on its own, without the district's server: its signature, and whose certificate signed. */
export interface OfflineVerdict {
  valid: boolean;
  reason?: string;
  statement?: StatementFacts;
  signature?: {
    certificate: { subject: string; fingerprint: string; validFrom: string; validTo: string };
    /** The certificate is one the district signs statements with (the keyring's, SIGNING_P12's, or --cert). */
    district: boolean;
    signedAt?: string;
    coversWholeFile: boolean;
    level: 'PAdES-B-B' | 'PAdES-B-T';
    timestampedAt?: string;
    timestampAuthority?: string;
  };
}

/**
 * Checks a statement with nothing but the file and the district's certificates: the PDF signature covers the
 * whole file and verifies, and its certificate is one of `districtCertificates`.
 */
export function verifyStatementOffline(pdf: Buffer, districtCertificates: crypto.X509Certificate[]): OfflineVerdict {
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') return { valid: false, reason: 'this file is not a PDF' };
  const check = verifyPdfSignature(pdf);
  const statement = statementFacts(pdf);
  const known =
    check.certificate && districtCertificates.some((c) => c.fingerprint256 === check.certificate!.fingerprint256);
  const signature: OfflineVerdict['signature'] = check.certificate && {
    certificate: {
      subject: check.certificate.subject.replace(/\n/g, ', '),
      fingerprint: check.certificate.fingerprint256,
      validFrom: new Date(check.certificate.validFrom).toISOString(),
      validTo: new Date(check.certificate.validTo).toISOString(),
    },
    district: Boolean(known),
    ...(check.signedAt ? { signedAt: check.signedAt.toISOString() } : {}),
    coversWholeFile: check.coversWholeFile === true,
    level: check.timestampedAt ? 'PAdES-B-T' : 'PAdES-B-B',
    ...(check.timestampedAt
      ? {
          timestampedAt: check.timestampedAt.toISOString(),
          timestampAuthority: check.timestampAuthority!.replace(/\n/g, ', '),
        }
      : {}),
  };
  const facts = { ...(statement ? { statement } : {}), ...(signature ? { signature } : {}) };
  if (!check.valid) return { valid: false, reason: check.reason!, ...facts };
  if (!known)
    return {
      valid: false,
      reason: `the signature is intact, but its certificate (SHA-256 ${check.certificate!.fingerprint256}) is not one the district signs statements with`,
      ...facts,
    };
  return { valid: true, ...facts };
}

/** The attached `statement.json` (an associated file, Flate-compressed), as pdfkit writes it. */
function statementFacts(pdf: Buffer): StatementFacts | undefined {
  const text = pdf.toString('latin1');
  const spec = /\/F \(statement\.json\)\s*\/EF\s*<<\s*\/F (\d+) 0 R/.exec(text);
  if (!spec) return undefined;
  const at = text.indexOf(`\n${spec[1]} 0 obj`);
  const streamAt = text.indexOf('stream\n', at);
  const length = /\/Length (\d+)/.exec(text.slice(at, streamAt));
  if (at < 0 || streamAt < 0 || !length) return undefined;
  try {
    const data = JSON.parse(
      zlib.inflateSync(pdf.subarray(streamAt + 7, streamAt + 7 + Number(length[1]))).toString('utf8'),
    ) as Record<string, unknown>;
    const contract = data.contract as { id?: unknown } | undefined;
    return {
      statementId: String(data.statementId),
      caseId: String(data.caseId),
      vendorName: String(data.vendor),
      contractId: String(contract?.id),
      issuedAt: String(data.issuedAt),
      district: String(data.district),
    };
  } catch {
    return undefined;
  }
}
