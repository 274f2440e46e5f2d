// Just enough ASN.1 DER to write and read the few structures a PDF signature needs (X.509 certificates, CMS
// SignedData, RFC 3161 time stamps). Writing builds bytes from bytes, so a certificate from elsewhere is embedded
// exactly as it came; reading walks tag-length-value nodes without copying.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One node: `tag`, then its length, then `content` (already encoded children, or the value's bytes). */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.sequence, ...items);
/** A SET OF in DER order: its encoded members sorted as byte strings. */
export const setOf = (...items: Buffer[]): Buffer => tlv(TAG.set, ...[...items].sort((a, b) => Buffer.compare(a, b)));
/** `[n]` wrapping `content`: constructed (EXPLICIT, or IMPLICIT over a constructed type) unless `primitive`. */
export const context = (n: number, content: Buffer[], primitive = false): Buffer =>
  tlv((primitive ? 0x80 : 0xa0) | n, ...content);
export const octetString = (bytes: Buffer): Buffer => tlv(TAG.octetString, bytes);
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer =>
  tlv(TAG.bitString, Buffer.from([unusedBits]), bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean): Buffer => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0]));

/** A non-negative INTEGER from its big-endian magnitude (or a small number). */
export function integer(value: Buffer | number): Buffer {
  const hex = typeof value === 'number' ? value.toString(16) : '';
  let bytes = typeof value === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  bytes = bytes.subarray(start);
  return tlv(TAG.integer, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const digits: number[] = [];
    for (let rest = arc; ; rest = Math.floor(rest / 128)) {
      digits.unshift((rest % 128) | (digits.length ? 0x80 : 0));
      if (rest < 128) break;
    }
    out.push(...digits);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const text = date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return date.getUTCFullYear() < 2050
    ? tlv(TAG.utcTime, Buffer.from(text.slice(2), 'latin1'))
    : tlv(TAG.generalizedTime, Buffer.from(text, 'latin1'));
}

export class DerError extends Error {
  override name = 'DerError';
}

/** A node read in place: `buf[start, end)` is the whole TLV, `buf[contentStart, end)` its content. */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
  buf: Buffer;
}

/** Reads the node at `offset` (definite lengths only, as DER requires). */
export function read(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let length = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('indefinite or oversized length');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + buf[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buf.length) throw new DerError('a length runs past the data');
  return { tag, start: offset, contentStart, end, buf };
}

export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let at = node.contentStart; at < node.end;) {
    const child = read(node.buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The child at `index`, checked to carry `tag`. */
export function child(node: DerNode, index: number, tag?: number): DerNode {
  const found = children(node)[index];
  if (!found || (tag !== undefined && found.tag !== tag))
    throw new DerError(`expected ${tag === undefined ? 'a node' : `tag 0x${tag.toString(16)}`} at position ${index}`);
  return found;
}

export const content = (node: DerNode): Buffer => node.buf.subarray(node.contentStart, node.end);
export const whole = (node: DerNode): Buffer => node.buf.subarray(node.start, node.end);

export function oidText(node: DerNode): string {
  const bytes = content(node);
  const arcs = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** UTCTime or GeneralizedTime (as RFC 5280 and RFC 3161 write them: Z, optional fraction). */
export function timeValue(node: DerNode): Date {
  let text = content(node).toString('latin1');
  if (node.tag === TAG.utcTime) text = `${Number(text.slice(0, 2)) < 50 ? '20' : '19'}${text}`;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError(`unreadable time ${text}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}
