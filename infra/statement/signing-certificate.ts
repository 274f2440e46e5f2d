// The district's statement-signing identity: an X.509 certificate and its key. Made here on first start
// (self-signed, ECDSA P-256) unless the district brings its own as a PKCS#12 file (SIGNING_P12).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type forgeModule from 'node-forge';
import type { Config } from '../config';
import {
  bitString,
  boolean,
  child,
  content,
  context,
  integer,
  octetString,
  oid,
  read,
  sequence,
  setOf,
  TAG,
  time,
  utf8String,
} from './der';

/** Who signs statements: the certificate (DER), its key, and any certificates between it and a root. */
export interface SigningIdentity {
  certificate: Buffer;
  privateKey: crypto.KeyObject;
  chain: Buffer[];
}

export class SigningIdentityError extends Error {
  override name = 'SigningIdentityError';
}

const YEARS = 25;

/**
 * A self-signed certificate for `districtName`'s statements: ECDSA P-256 with SHA-256, for digital signatures and
 * non-repudiation, valid 25 years (a statement is checked long after it is signed; a reader sees it "untrusted"
 * until the district installs the certificate, or replaces it with one from its own CA through SIGNING_P12).
 */
export function makeSelfSignedCertificate(
  districtName: string,
  now = new Date(),
): { certificatePem: string; privateKeyPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = sequence(
    setOf(sequence(oid('2.5.4.10'), utf8String(districtName))),
    setOf(sequence(oid('2.5.4.3'), utf8String(`${districtName} statement signing`))),
  );
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and 16 bytes long
  const notBefore = new Date(now.getTime() - 24 * 3600_000); // a day early: a statement stamped by a clock a little behind still falls inside
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + YEARS);
  const keyBits = content(child(read(spki), 1, TAG.bitString)).subarray(1);
  const extensions = sequence(
    sequence(oid('2.5.29.19'), boolean(true), octetString(sequence())), // basicConstraints: not a CA
    sequence(oid('2.5.29.15'), boolean(true), octetString(bitString(Buffer.from([0xc0]), 6))), // digitalSignature, nonRepudiation
    sequence(oid('2.5.29.14'), octetString(octetString(crypto.createHash('sha1').update(keyBits).digest()))), // subjectKeyIdentifier
  );
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const tbs = sequence(
    context(0, [integer(2)]),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    context(3, [extensions]),
  );
  const certificate = sequence(tbs, ecdsaWithSha256, bitString(crypto.sign('sha256', tbs, privateKey)));
  return {
    certificatePem: toPem(certificate),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

/** The lines before a certificate in the published PEM: who it names, its fingerprint, when it is valid. */
export const certificateSummary = (certificate: crypto.X509Certificate): string =>
  `Subject: ${certificate.subject.replace(/\n/g, ', ')}\nSHA-256 fingerprint: ${certificate.fingerprint256}\nValid: ${new Date(certificate.validFrom).toISOString()} to ${new Date(certificate.validTo).toISOString()}\n`;

/** The certificates in a PEM file (the form GET /api/statements/certificate publishes). */
export function certificatesFromPem(pem: string): crypto.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new crypto.X509Certificate(block));
}

/** The identity in a PKCS#12 file (RSA keys; the certificate whose public key is the key's, the rest as its chain). */
export function loadP12(file: string, passphrase: string): SigningIdentity {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw new SigningIdentityError(`SIGNING_P12=${file} cannot be read: ${(err as Error).message}`);
  }
  // node-forge only where a PKCS#12 file is read (it opens what OpenSSL 3 writes); every other signing is Node's own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a PKCS#12 file is read
  const forge = require('node-forge') as typeof forgeModule;
  let p12: forgeModule.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(raw.toString('binary')), false, passphrase);
  } catch (err) {
    throw new SigningIdentityError(
      `SIGNING_P12=${file} cannot be opened (${(err as Error).message}): check SIGNING_P12_PASSPHRASE, and that the file holds an RSA key`,
    );
  }
  const bagsOf = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keyBag = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(forge.pki.oids.keyBag!)].find(
    (bag) => bag.key,
  );
  if (!keyBag?.key)
    throw new SigningIdentityError(`SIGNING_P12=${file} holds no private key this server can use (RSA)`);
  const privateKey = crypto.createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const publicDer = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const certificates = bagsOf(forge.pki.oids.certBag!)
    .filter((bag) => bag.cert)
    .map((bag) => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert!)).getBytes(), 'binary'));
  const own = certificates.find((der) =>
    new crypto.X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }).equals(publicDer),
  );
  if (!own) throw new SigningIdentityError(`SIGNING_P12=${file} holds no certificate for its private key`);
  return { certificate: own, privateKey, chain: certificates.filter((der) => der !== own) };
}

/** The keyring part this file needs (kept narrow: the keyring imports this file to make certificates). */
interface CertificateKeyring {
  currentCertificate(): { certificate: Buffer; privateKey: crypto.KeyObject };
  certificates(): { certificate: crypto.X509Certificate }[];
}

const p12Cache = new Map<string, SigningIdentity>();

/** Who signs statements now: the district's own PKCS#12 (read once a process) or the keyring's newest certificate. */
export function statementSigner(config: Pick<Config, 'signingP12'>, keyring: CertificateKeyring): SigningIdentity {
  if (config.signingP12) {
    const { file, passphrase } = config.signingP12;
    let identity = p12Cache.get(file);
    if (!identity) p12Cache.set(file, (identity = loadP12(file, passphrase)));
    return identity;
  }
  return { ...keyring.currentCertificate(), chain: [] };
}

/** Every certificate a statement of this district may be signed with: its own (SIGNING_P12), then the keyring's. */
export function districtCertificates(
  config: Pick<Config, 'signingP12'>,
  keyring: CertificateKeyring,
): crypto.X509Certificate[] {
  const own = config.signingP12 ? [new crypto.X509Certificate(statementSigner(config, keyring).certificate)] : [];
  return [...own, ...keyring.certificates().map((c) => c.certificate)];
}
