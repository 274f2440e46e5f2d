// CMS SignedData (RFC 5652) as PAdES baseline signatures use it (ETSI EN 319 122-1 CAdES-B-B: content type,
// message digest and signing-certificate-v2 as signed attributes, no signing time inside), detached from the
// signed bytes; with an RFC 3161 time stamp on the signature value for B-T. Also the reading side: check one.
import crypto from 'node:crypto';
import {
  boolean,
  child,
  children,
  content,
  context,
  DerError,
  integer,
  octetString,
  oid,
  oidText,
  read,
  sequence,
  setOf,
  TAG,
  timeValue,
  whole,
  type DerNode,
} from './der';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

const DIGESTS: Record<string, string> = {
  [OID.sha256]: 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.3.14.3.2.26': 'sha1',
};

export class CmsError extends Error {
  override name = 'CmsError';
}

/** Who signs: a certificate (DER) and its private key (RSA or EC), with any intermediate certificates. */
export interface CmsSigner {
  certificate: Buffer;
  privateKey: crypto.KeyObject;
  chain?: Buffer[];
}

const algorithm = (dotted: string): Buffer => sequence(oid(dotted));
const attribute = (type: string, value: Buffer): Buffer => sequence(oid(type), setOf(value));

/** The certificate's issuer (Name) and serial number (INTEGER), as encoded in it. */
export function issuerAndSerial(certificate: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = child(read(certificate), 0, TAG.sequence);
  const first = children(tbs)[0]!.tag === 0xa0 ? 1 : 0; // [0] version, present from v2 on
  return { serial: whole(child(tbs, first, TAG.integer)), issuer: whole(child(tbs, first + 2, TAG.sequence)) };
}

/**
 * A detached signature over content whose SHA-256 is `digest`. `timestamp`, when given, turns the signature value
 * into an RFC 3161 time-stamp token (the B-T level), kept as an unsigned attribute.
 */
export async function signDetached(
  digest: Buffer,
  signer: CmsSigner,
  timestamp?: (signatureValue: Buffer) => Promise<Buffer>,
): Promise<Buffer> {
  const { issuer, serial } = issuerAndSerial(signer.certificate);
  const certHash = crypto.createHash('sha256').update(signer.certificate).digest();
  // ESSCertIDv2 { certHash, issuerSerial { GeneralNames { [4] directoryName }, serial } }; SHA-256 is its default.
  const essCertId = sequence(octetString(certHash), sequence(sequence(context(4, [issuer])), serial));
  const attributes = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octetString(digest)),
    attribute(OID.signingCertificateV2, sequence(sequence(essCertId))),
  ];
  const signedAttributes = setOf(...attributes); // what is signed: the attributes as a SET (RFC 5652 5.4)
  const signatureValue = crypto.sign('sha256', signedAttributes, signer.privateKey);
  const ec = signer.privateKey.asymmetricKeyType === 'ec';
  if (!ec && signer.privateKey.asymmetricKeyType !== 'rsa')
    throw new CmsError(`a ${signer.privateKey.asymmetricKeyType} key cannot sign a PDF here: use an RSA or EC key`);
  const unsigned = timestamp
    ? [context(1, [attribute(OID.signatureTimeStampToken, await timestamp(signatureValue))])]
    : []; // [1] IMPLICIT SET OF Attribute
  const signerInfo = sequence(
    integer(1),
    sequence(issuer, serial),
    algorithm(OID.sha256),
    context(0, [content(read(signedAttributes))]), // [0] IMPLICIT SET OF Attribute
    ec ? algorithm(OID.ecdsaWithSha256) : sequence(oid(OID.sha256WithRsa), Buffer.from([TAG.null, 0])),
    octetString(signatureValue),
    ...unsigned,
  );
  const signedData = sequence(
    integer(1),
    setOf(algorithm(OID.sha256)),
    sequence(oid(OID.data)), // detached: no eContent
    context(0, [signer.certificate, ...(signer.chain ?? [])]),
    setOf(signerInfo),
  );
  return sequence(oid(OID.signedData), context(0, [signedData]));
}

/** What a checked signature says: it verified (or why not), who signed, and when a time stamp says it existed. */
export interface CmsCheck {
  valid: boolean;
  reason?: string;
  certificate?: crypto.X509Certificate;
  /** From the RFC 3161 time stamp on the signature (B-T), when there is one and it verifies. */
  timestampedAt?: Date;
  timestampAuthority?: string;
}

interface ParsedSignedData {
  certificates: Buffer[];
  signerInfo: DerNode;
  /** The encapsulated content, when the signature is not detached (a time-stamp token's TSTInfo). */
  eContent?: Buffer;
}

function parseSignedData(der: Buffer): ParsedSignedData {
  const info = read(der);
  if (oidText(child(info, 0, TAG.oid)) !== OID.signedData) throw new CmsError('not a CMS SignedData');
  const signedData = child(child(info, 1, 0xa0), 0, TAG.sequence);
  const parts = children(signedData);
  const encap = parts[2]!;
  const eContentNode = children(encap)[1];
  const certificates = parts.find((p) => p.tag === 0xa0);
  const signerInfos = parts.at(-1)!;
  const signers = children(signerInfos);
  if (signers.length !== 1) throw new CmsError(`expected one signer, found ${signers.length}`);
  return {
    certificates: certificates ? children(certificates).map((c) => Buffer.from(whole(c))) : [],
    signerInfo: signers[0]!,
    ...(eContentNode ? { eContent: content(child(eContentNode, 0, TAG.octetString)) } : {}),
  };
}

function attributesOf(node: DerNode | undefined): Map<string, DerNode> {
  const out = new Map<string, DerNode>();
  for (const attr of node ? children(node) : [])
    out.set(oidText(child(attr, 0, TAG.oid)), child(child(attr, 1, TAG.set), 0));
  return out;
}

/** Checks a SignedData over content: `digestOf(algorithm, eContent)` hashes what was signed. */
/** A verified SignedData, with what its callers read further: the signature value and the parsed structure. */
type Checked = CmsCheck & { signatureValue?: Buffer; parsed?: ParsedSignedData };

function checkSignedData(der: Buffer, digestOf: (algorithm: string, eContent?: Buffer) => Buffer): Checked {
  try {
    return checkParsed(parseSignedData(der), digestOf);
  } catch (err) {
    if (err instanceof DerError || err instanceof CmsError)
      return { valid: false, reason: `the signature cannot be read: ${err.message}` };
    throw err;
  }
}

function checkParsed(parsed: ParsedSignedData, digestOf: (algorithm: string, eContent?: Buffer) => Buffer): Checked {
  const parts = children(parsed.signerInfo);
  const sid = whole(parts[1]!);
  const digestAlgorithm = DIGESTS[oidText(child(parts[2]!, 0, TAG.oid))];
  const signedNode = parts[3]!.tag === 0xa0 ? parts[3]! : undefined;
  if (!digestAlgorithm)
    return { valid: false, reason: 'the signature uses a digest algorithm this check does not know' };
  if (!signedNode) return { valid: false, reason: 'the signature has no signed attributes' };
  const signatureValue = content(parts[5]!);
  const certificateDer = parsed.certificates.find((c) => {
    const { issuer, serial } = issuerAndSerial(c);
    return Buffer.concat([issuer, serial]).equals(content(read(sid)));
  });
  if (!certificateDer) return { valid: false, reason: "the signer's certificate is not in the signature" };
  const certificate = new crypto.X509Certificate(certificateDer);
  const attributes = attributesOf(signedNode);
  const messageDigest = attributes.get(OID.messageDigest);
  if (!messageDigest || !content(messageDigest).equals(digestOf(digestAlgorithm, parsed.eContent))) {
    return { valid: false, certificate, reason: 'the signed bytes were changed after signing (digest mismatch)' };
  }
  const signedAttributes = Buffer.from(whole(signedNode));
  signedAttributes[0] = TAG.set;
  const verifies = crypto.verify(digestAlgorithm, signedAttributes, certificate.publicKey, signatureValue);
  if (!verifies)
    return { valid: false, certificate, reason: "the signature value does not verify with the signer's certificate" };
  return { valid: true, certificate, signatureValue: Buffer.from(signatureValue), parsed };
}

/** Checks a detached PAdES signature over content whose SHA-256 is `digest`. */
export function verifyDetached(der: Buffer, digest: Buffer): CmsCheck {
  const checked = checkSignedData(der, (algorithm) => {
    if (algorithm !== 'sha256') throw new CmsError('not SHA-256');
    return digest;
  });
  if (!checked.valid) return checked;
  const { signatureValue, parsed, ...result } = checked;
  try {
    const signerInfo = parsed!.signerInfo;
    const signed = attributesOf(children(signerInfo)[3]);
    const essCert = signed.get(OID.signingCertificateV2);
    const certHash = essCert && content(child(child(child(essCert, 0), 0), 0, TAG.octetString));
    if (
      !certHash ||
      !certHash.equals(crypto.createHash('sha256').update(Buffer.from(result.certificate!.raw)).digest())
    ) {
      return {
        valid: false,
        certificate: result.certificate,
        reason: 'the signature does not bind its signing certificate (signing-certificate-v2), as PAdES requires',
      };
    }
    const unsignedNode = children(signerInfo).find((p) => p.tag === 0xa1);
    const token = attributesOf(unsignedNode).get(OID.signatureTimeStampToken);
    if (token) {
      const stamp = checkTimestamp(Buffer.from(whole(token)), signatureValue!);
      if (!stamp.valid)
        return {
          valid: false,
          certificate: result.certificate,
          reason: `the time stamp does not verify: ${stamp.reason}`,
        };
      return { ...result, timestampedAt: stamp.at, timestampAuthority: stamp.authority };
    }
  } catch (err) {
    if (err instanceof DerError || err instanceof CmsError)
      return { valid: false, certificate: result.certificate, reason: `the signature cannot be read: ${err.message}` };
    throw err;
  }
  return result;
}

/** An RFC 3161 token over `signatureValue`: the TSA's own signature and the imprint it stamped. */
function checkTimestamp(
  token: Buffer,
  signatureValue: Buffer,
): { valid: boolean; reason?: string; at?: Date; authority?: string } {
  const checked = checkSignedData(token, (algorithm, eContent) =>
    crypto
      .createHash(algorithm)
      .update(eContent ?? Buffer.alloc(0))
      .digest(),
  );
  if (!checked.valid) return { valid: false, reason: checked.reason };
  const tstInfo = read(checked.parsed!.eContent!);
  const imprint = child(tstInfo, 2, TAG.sequence);
  const algorithmName = DIGESTS[oidText(child(child(imprint, 0), 0, TAG.oid))];
  if (!algorithmName) return { valid: false, reason: 'unknown imprint algorithm' };
  if (
    !content(child(imprint, 1, TAG.octetString)).equals(
      crypto.createHash(algorithmName).update(signatureValue).digest(),
    )
  ) {
    return { valid: false, reason: 'it stamps another signature' };
  }
  return {
    valid: true,
    at: timeValue(child(tstInfo, 4, TAG.generalizedTime)),
    authority: checked.certificate!.subject,
  };
}

export class TimestampError extends Error {
  override name = 'TimestampError';
}

/** Asks the RFC 3161 time-stamp authority at `url` to stamp `signatureValue`; answers the token (a ContentInfo). */
export async function requestTimestamp(
  url: string,
  signatureValue: Buffer,
  fetchImpl: typeof fetch = fetch,
): Promise<Buffer> {
  const nonce = crypto.randomBytes(8);
  nonce[0]! &= 0x7f;
  const request = sequence(
    integer(1),
    sequence(algorithm(OID.sha256), octetString(crypto.createHash('sha256').update(signatureValue).digest())),
    integer(nonce),
    boolean(true), // certReq: the TSA's certificate in the token, so the stamp verifies on its own
  );
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: request,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new TimestampError(`the time-stamp authority ${url} cannot be reached: ${(err as Error).message}`);
  }
  if (!response.ok) throw new TimestampError(`the time-stamp authority ${url} answered HTTP ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  try {
    const reply = read(body);
    const status = Number.parseInt(
      content(child(child(reply, 0, TAG.sequence), 0, TAG.integer)).toString('hex') || '0',
      16,
    );
    if (status > 1)
      throw new TimestampError(`the time-stamp authority ${url} refused the request (PKIStatus ${status})`);
    const token = Buffer.from(whole(child(reply, 1, TAG.sequence)));
    const tstInfo = read(parseSignedData(token).eContent!);
    const echoed = children(tstInfo).find((node, i) => i > 4 && node.tag === TAG.integer);
    if (!echoed || !content(echoed).equals(content(read(integer(nonce)))))
      throw new TimestampError(`the time-stamp authority ${url} answered another request (nonce)`);
    return token;
  } catch (err) {
    if (err instanceof TimestampError) throw err;
    throw new TimestampError(
      `the time-stamp authority ${url} answered something that is not a time stamp: ${(err as Error).message}`,
    );
  }
}
