// The backup is one tar file (POSIX ustar), so an administrator can list it with `tar tvf` and the tools they
// already trust can copy it. It is written and read as a stream, member after member: a data folder of many
// gigabytes never sits in memory, and each member is hashed on its way through.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';

const BLOCK = 512;
/** The largest size ustar's 11 octal digits hold; above it the size is written in base-256 (GNU tar, bsdtar). */
const OCTAL_LIMIT = 8 * 1024 ** 3 - 1;

/** The archive is not what `backup create` wrote: the sentence names where (the member, or the byte). */
export class BackupDamagedError extends Error {
  override name = 'BackupDamagedError';
}

export interface WrittenMember {
  name: string;
  bytes: number;
  sha256: string;
}

/** A member to write: bytes at hand, or a file read from disk (opened once, so a rename meanwhile does not matter). */
export type MemberSource = { name: string; data: Buffer } | { name: string; file: string };

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  // ustar keeps 100 bytes of name and 155 of prefix, split at a slash.
  let prefix = Buffer.alloc(0);
  let rest = nameBytes;
  if (nameBytes.length > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`the name ${name} is too long for the backup archive`);
    prefix = Buffer.from(name.slice(0, cut), 'utf8');
    rest = Buffer.from(name.slice(cut + 1), 'utf8');
  }
  rest.copy(block, 0);
  block.write(octal(0o600, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  if (size <= OCTAL_LIMIT) block.write(octal(size, 12), 124, 'ascii');
  else {
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(size), 128);
  }
  block.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  prefix.copy(block, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/**
 * The archive's bytes, member after member, as a stream (to `pipeline` into a file). `written` receives each
 * member's size and SHA-256 once its bytes have gone by; `last` is asked for the final members once every other
 * one is written (the manifest, which lists them).
 */
export async function* archiveBytes(
  members: AsyncIterable<MemberSource> | Iterable<MemberSource>,
  written: (member: WrittenMember) => void,
  last: () => MemberSource[],
): AsyncGenerator<Buffer> {
  const now = Date.now();
  async function* one(member: MemberSource): AsyncGenerator<Buffer> {
    const hash = crypto.createHash('sha256');
    if ('data' in member) {
      yield header(member.name, member.data.length, now);
      hash.update(member.data);
      yield member.data;
      yield padding(member.data.length);
      written({ name: member.name, bytes: member.data.length, sha256: hash.digest('hex') });
      return;
    }
    const handle = await fs.promises.open(member.file, 'r');
    try {
      const { size, mtimeMs } = await handle.stat();
      yield header(member.name, size, mtimeMs);
      let sent = 0;
      if (size > 0) {
        // Exactly the size the header promised, even if the file were to grow meanwhile.
        for await (const chunk of handle.createReadStream({ start: 0, end: size - 1, autoClose: false })) {
          const bytes = chunk as Buffer;
          hash.update(bytes);
          sent += bytes.length;
          yield bytes;
        }
      }
      if (sent !== size) throw new Error(`${member.file} shrank while it was archived (${sent} of ${size} bytes)`);
      yield padding(size);
      written({ name: member.name, bytes: size, sha256: hash.digest('hex') });
    } finally {
      await handle.close();
    }
  }
  for await (const member of members) yield* one(member);
  for (const member of last()) yield* one(member);
  yield Buffer.alloc(BLOCK * 2);
}

/** Reads exactly what is asked of a stream, or less at its end. */
class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  /** Bytes handed out so far: where a damaged header is. */
  position = 0;

  constructor(source: Readable) {
    this.chunks = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    this.pending = this.pending.length ? Buffer.concat([this.pending, next.value]) : next.value;
    return true;
  }

  async read(n: number): Promise<Buffer> {
    while (this.pending.length < n) if (!(await this.more())) break;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    this.position += out.length;
    return out;
  }

  /** `n` bytes in pieces as they arrive; fewer when the stream ends first. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.more())) return;
      const out = this.pending.subarray(0, left);
      this.pending = this.pending.subarray(out.length);
      this.position += out.length;
      left -= out.length;
      yield out;
    }
  }
}

function parseSize(field: Buffer): number {
  if (field[0] === 0x80) return Number(field.readBigUInt64BE(4));
  return parseInt(field.toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
}

function checksumHolds(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return parseInt(block.subarray(148, 156).toString('ascii').replace(/\0.*$/s, '').trim(), 8) === sum;
}

export interface ReadMember {
  name: string;
  bytes: number;
  /** The member's bytes; read it whole before asking for the next member. */
  body: AsyncGenerator<Buffer>;
}

/**
 * The members of an archive in order. A header that does not check, or an archive that stops inside a member, is
 * a BackupDamagedError naming the member before it (or the one cut).
 */
export async function* archiveMembers(source: Readable): AsyncGenerator<ReadMember> {
  const reader = new ByteReader(source);
  let previous = 'the start of the archive';
  for (;;) {
    const at = reader.position;
    const block = await reader.read(BLOCK);
    if (block.length === 0)
      throw new BackupDamagedError(`the archive ends after ${previous} without its closing blocks: it was cut short`);
    if (block.length < BLOCK) throw new BackupDamagedError(`the archive is cut short after ${previous}`);
    if (block.every((b) => b === 0)) return;
    if (!checksumHolds(block))
      throw new BackupDamagedError(
        `the archive is damaged at byte ${at}: the member header after ${previous} does not check`,
      );
    const field = (from: number, to: number): string => block.subarray(from, to).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 500);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const bytes = parseSize(block.subarray(124, 136));
    const type = String.fromCharCode(block[156]!);
    if (type !== '0' && type !== '\0') throw new BackupDamagedError(`member ${name} is not a plain file`);
    let delivered = 0;
    const body = (async function* () {
      for await (const piece of reader.pieces(bytes)) {
        delivered += piece.length;
        yield piece;
      }
      if (delivered < bytes) throw new BackupDamagedError(`the archive is cut short inside member ${name}`);
      await reader.read((BLOCK - (bytes % BLOCK)) % BLOCK);
    })();
    yield { name, bytes, body };
    // Whatever the caller left unread is passed over, so the next header is where it should be.
    for await (const _piece of body);
    previous = `member ${name}`;
  }
}
