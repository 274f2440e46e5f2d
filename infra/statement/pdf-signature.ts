// A signature inside the PDF (PAdES baseline: ETSI.CAdES.detached), as readers and `pdfsig` check it: the
// document is drawn with an empty signature (an invisible field on the first page, room reserved for the CMS),
// then the bytes around that room are hashed and signed, and the CMS is written into it. Nothing is appended
// after signing, so the signature covers the whole file.
import crypto from 'node:crypto';
import { signDetached, verifyDetached, type CmsCheck, type CmsSigner } from './cms';

/** Room for the CMS unless told (`signatureRoom`): the certificate and its chain, the signature, a time stamp. */
const CONTENTS_BYTES = 24 * 1024;

/** The room a signature needs: its certificates, 2 KiB for the rest, 16 KiB more for a time-stamp token. */
export function signatureRoom(certificates: Buffer[], timestamped: boolean): number {
  const bytes = certificates.reduce((sum, c) => sum + c.length, 2048) + (timestamped ? 16_384 : 0);
  return Math.ceil(bytes / 1024) * 1024;
}
// Zero-padded numbers: a document drawn but not yet signed is still well-formed PDF.
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

/** A value pdfkit writes as it is (it prints objects of other classes with `toString`). */
class RawPdfValue {
  constructor(private readonly text: string) {}
  get [Symbol.toStringTag](): string {
    return 'RawPdfValue';
  }
  toString(): string {
    return this.text;
  }
}

interface AcroFormData {
  Fields: unknown[];
  NeedAppearances?: boolean;
  SigFlags?: number;
}
/** The catalog's AcroForm, which pdfkit's `initForm` makes but does not expose. */
const acroFormOf = (doc: PDFKit.PDFDocument): AcroFormData =>
  (doc as unknown as { _root: { data: { AcroForm: { data: AcroFormData } } } })._root.data.AcroForm.data;

export interface SignatureFields {
  /** Who signs (the signature dictionary's /Name), e.g. the district. */
  name: string;
  reason: string;
  location?: string;
  /** The signing time readers show (/M): the statement's issue time, so the same case renders the same bytes. */
  signedAt: Date;
  /** Bytes reserved for the CMS (`signatureRoom`); 24 KiB unless given. */
  room?: number;
}

/**
 * Adds an empty signature to a document about to end: the signature dictionary with its room, an invisible
 * widget on the first page (printable, as PDF/A wants every annotation), and the form that holds it.
 */
export function reserveSignature(doc: PDFKit.PDFDocument, fields: SignatureFields): void {
  const signature = doc.ref({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: new RawPdfValue(BYTE_RANGE_PLACEHOLDER),
    Contents: new RawPdfValue(`<${'0'.repeat((fields.room ?? CONTENTS_BYTES) * 2)}>`),
    M: fields.signedAt,
    Name: new String(fields.name),
    Reason: new String(fields.reason),
    ...(fields.location ? { Location: new String(fields.location) } : {}),
  });
  signature.end(null);
  doc.switchToPage(0);
  const widget = doc.ref({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: new String('Statement signature'),
    F: 4,
    Rect: [0, 0, 0, 0],
    V: signature,
    P: doc.page.dictionary,
  });
  widget.end(null);
  (doc.page.annotations as PDFKit.PDFKitReference[]).push(widget);
  doc.initForm();
  const form = acroFormOf(doc);
  delete form.NeedAppearances; // PDF/A forbids asking readers to redraw fields
  form.SigFlags = 3; // signatures exist; append only
  form.Fields.push(widget);
}

export class PdfSignatureError extends Error {
  override name = 'PdfSignatureError';
}

/** Signs a PDF drawn with `reserveSignature`: fills in the byte range, hashes around the room, writes the CMS. */
export async function signPdf(
  unsigned: Buffer,
  signer: CmsSigner,
  timestamp?: (signatureValue: Buffer) => Promise<Buffer>,
): Promise<Buffer> {
  const pdf = Buffer.from(unsigned);
  const rangeAt = pdf.indexOf(BYTE_RANGE_PLACEHOLDER, 0, 'latin1');
  const start = pdf.indexOf('/Contents <', rangeAt, 'latin1') + '/Contents '.length;
  if (rangeAt < 0 || start < rangeAt) throw new PdfSignatureError('this PDF has no room for a signature');
  const end = pdf.indexOf('>', start, 'latin1') + 1;
  const room = (end - start - 2) / 2;
  const range = `[0 ${start} ${end} ${pdf.length - end}]`;
  pdf.write(range.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' '), rangeAt, 'latin1');
  const digest = crypto.createHash('sha256').update(pdf.subarray(0, start)).update(pdf.subarray(end)).digest();
  const cms = await signDetached(digest, signer, timestamp);
  if (cms.length > room)
    throw new PdfSignatureError(`the signature (${cms.length} bytes) does not fit the ${room} bytes reserved for it`);
  pdf.write(cms.toString('hex'), start + 1, 'latin1');
  return pdf;
}

/** What a PDF's signature says, read and checked without any server: the CMS check, plus the PDF's own part. */
export interface PdfSignatureCheck extends CmsCheck {
  /** The signed byte range runs from the first byte to the last, around the signature only. */
  coversWholeFile?: boolean;
  /** From the signature dictionary: /M, /Name, /Reason. */
  signedAt?: Date;
  signerName?: string;
  signingReason?: string;
}

/** Reads and checks the one signature of a PDF signed by `signPdf`. */
export function verifyPdfSignature(pdf: Buffer): PdfSignatureCheck {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length === 0) return { valid: false, reason: 'the file carries no signature' };
  if (ranges.length > 1)
    return {
      valid: false,
      reason: `the file carries ${ranges.length} signatures, where a statement has one: it was changed after signing`,
    };
  const match = ranges[0]!;
  const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
  const coversWholeFile = a === 0 && c + d === pdf.length && b < c;
  if (!coversWholeFile)
    return {
      valid: false,
      coversWholeFile,
      reason: 'the signature does not cover the whole file: bytes were added or removed after signing',
    };
  const hex = text.slice(b, c);
  if (!/^<[0-9a-fA-F]*>$/.test(hex))
    return { valid: false, coversWholeFile, reason: "the signature's byte range does not frame its contents" };
  const dictionary = text.slice(text.lastIndexOf(' obj', match.index), text.indexOf('endobj', match.index));
  const fields = {
    coversWholeFile,
    ...optional('signedAt', pdfDate(literal(dictionary, 'M'))),
    ...optional('signerName', literal(dictionary, 'Name')),
    ...optional('signingReason', literal(dictionary, 'Reason')),
  };
  const digest = crypto
    .createHash('sha256')
    .update(pdf.subarray(0, b))
    .update(pdf.subarray(c, c + d))
    .digest();
  return { ...verifyDetached(Buffer.from(hex.slice(1, -1), 'hex'), digest), ...fields };
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

/** A literal string entry `/key (...)` of a dictionary, unescaped (PDFDocEncoding, or UTF-16BE with its mark). */
function literal(dictionary: string, key: string): string | undefined {
  const at = dictionary.search(new RegExp(`/${key}\\s*\\(`));
  if (at < 0) return undefined;
  const bytes: number[] = [];
  let depth = 0;
  for (let i = dictionary.indexOf('(', at) + 1; i < dictionary.length; i += 1) {
    let ch = dictionary.charCodeAt(i);
    if (ch === 0x5c) {
      // backslash
      i += 1;
      const next = dictionary[i]!;
      const octal = /^[0-7]{1,3}/.exec(dictionary.slice(i, i + 3));
      if (octal) {
        ch = Number.parseInt(octal[0], 8);
        i += octal[0].length - 1;
      } else ch = ({ n: 10, r: 13, t: 9, b: 8, f: 12 } as Record<string, number>)[next] ?? next.charCodeAt(0);
    } else if (ch === 0x28) depth += 1;
    else if (ch === 0x29 && depth-- === 0) break;
    bytes.push(ch);
  }
  const raw = Buffer.from(bytes);
  if (raw[0] === 0xfe && raw[1] === 0xff) return raw.subarray(2).swap16().toString('utf16le');
  return raw.toString('latin1');
}

function pdfDate(value: string | undefined): Date | undefined {
  const m = value && /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(value);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}
