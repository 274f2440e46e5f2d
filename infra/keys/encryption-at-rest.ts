// Files at rest: AES-256-GCM, authenticated per 64 KiB chunk, so a tampered or truncated byte is caught
// before the chunk holding it is served, and memory stays flat whatever the size (7400.1 I.F).
//
// Layout: "DSP1" | kid length (1) | kid | wrapped data key: nonce (12) + ciphertext (32) + tag (16) | nonce prefix (8)
//         then frames: final flag (1) | length (4, BE) | ciphertext | tag (16)
// Each frame's nonce is the prefix + its index; its AAD is the index and the final flag.
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Keyring } from './keys';

const MAGIC = Buffer.from('DSP1');
const CHUNK = 64 * 1024;
const TAG = 16;

export class TamperedDataError extends Error {
  override name = 'TamperedDataError';
}

// Nonce and AAD are written whole, so the pooled allocUnsafe serves: one per 64 KiB frame adds up.
function frameNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.allocUnsafe(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

function frameAad(index: number, final: boolean): Buffer {
  const aad = Buffer.allocUnsafe(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = final ? 1 : 0;
  return aad;
}

/**
 * Chunks waiting to be framed, taken from the front without joining them: each byte goes to the cipher
 * once, whatever sizes it arrives in, so the cost stays linear even fed byte by byte (joining what was
 * pending on every write made it quadratic in the worst case and doubled the copying in the usual one).
 */
class ChunkQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Calls `use` on consecutive pieces that together make the next `n` bytes, and drops them. */
  take(n: number, use: (piece: Buffer) => void): void {
    this.length -= n;
    while (n > 0) {
      const first = this.chunks[this.head]!;
      if (first.length <= n) {
        use(first);
        n -= first.length;
        this.chunks[this.head] = EMPTY;
        this.head += 1;
      } else {
        use(first.subarray(0, n));
        this.chunks[this.head] = first.subarray(n);
        n = 0;
      }
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** The next `n` bytes (n ≤ length) as one buffer, left in the queue. */
  peek(n: number): Buffer {
    const first = this.chunks[this.head]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    for (let i = this.head; at < n; i += 1)
      at += this.chunks[i]!.copy(out, at, 0, Math.min(this.chunks[i]!.length, n - at));
    return out;
  }

  /** The next `n` bytes as one buffer, dropped from the queue. */
  read(n: number): Buffer {
    const out = this.peek(n);
    this.take(n, () => undefined);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** A stream that encrypts what passes through under a fresh data key wrapped by the current file key. */
export function createEncryptStream(keyring: Keyring): Transform {
  const { kid, key } = keyring.current('file');
  const dataKey = crypto.randomBytes(32);
  const wrapNonce = crypto.randomBytes(12);
  const wrap = crypto.createCipheriv('aes-256-gcm', key, wrapNonce);
  const wrapped = Buffer.concat([wrapNonce, wrap.update(dataKey), wrap.final(), wrap.getAuthTag()]);
  const prefix = crypto.randomBytes(8);
  const kidBytes = Buffer.from(kid);
  const pending = new ChunkQueue();
  let index = 0;

  /** Pushes the next `length` pending bytes as one frame: head, ciphertext, tag (no copy into one buffer). */
  const seal = (stream: Transform, length: number, final: boolean): void => {
    const cipher = crypto.createCipheriv('aes-256-gcm', dataKey, frameNonce(prefix, index));
    cipher.setAAD(frameAad(index, final));
    const head = Buffer.allocUnsafe(5);
    head[0] = final ? 1 : 0;
    head.writeUInt32BE(length, 1);
    stream.push(head);
    pending.take(length, (piece) => {
      stream.push(cipher.update(piece));
    });
    const rest = cipher.final(); // empty for GCM, which is a stream mode
    if (rest.length > 0) stream.push(rest);
    stream.push(cipher.getAuthTag());
    index += 1;
  };

  return new Transform({
    construct(callback) {
      this.push(Buffer.concat([MAGIC, Buffer.from([kidBytes.length]), kidBytes, wrapped, prefix]));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending.push(chunk);
      // Keep the last (possibly partial) chunk back: only flush knows which frame is final.
      while (pending.length > CHUNK) seal(this, CHUNK, false);
      callback();
    },
    flush(callback) {
      seal(this, pending.length, true);
      callback();
    },
  });
}

/** The inverse: emits a chunk only once its tag verified; fails on tampering, truncation or an unknown key. */
export function createDecryptStream(keyring: Keyring): Transform {
  const queue = new ChunkQueue();
  let dataKey: Buffer | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let sawFinal = false;

  const tryHeader = (): boolean => {
    if (queue.length < 5) return false;
    const start = queue.peek(5);
    if (!start.subarray(0, 4).equals(MAGIC)) throw new TamperedDataError('not an encrypted Disposition file');
    const kidLength = start[4]!;
    const headerLength = 5 + kidLength + 60 + 8;
    if (queue.length < headerLength) return false;
    const header = Buffer.from(queue.read(headerLength));
    const kid = header.subarray(5, 5 + kidLength).toString();
    const key = keyring.get('file', kid);
    if (!key) throw new TamperedDataError(`the file key ${kid} is not in the keyring`);
    const wrapped = header.subarray(5 + kidLength, 5 + kidLength + 60);
    const unwrap = crypto.createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
    unwrap.setAuthTag(wrapped.subarray(44, 60));
    try {
      dataKey = Buffer.concat([unwrap.update(wrapped.subarray(12, 44)), unwrap.final()]);
    } catch {
      throw new TamperedDataError("the file's data key does not authenticate");
    }
    prefix = header.subarray(5 + kidLength + 60, headerLength);
    return true;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      queue.push(chunk);
      try {
        if (!dataKey && !tryHeader()) return callback();
        while (queue.length >= 5) {
          const head = queue.peek(5);
          // The AAD carries only final or not: any flag byte but 0 and 1 would read as "not final" and pass.
          if (head[0]! > 1)
            throw new TamperedDataError(`frame ${index} has a flag this format never writes: the file was altered`);
          const final = head[0] === 1;
          const length = head.readUInt32BE(1);
          if (length > CHUNK) throw new TamperedDataError('a frame is longer than any this format writes');
          if (queue.length < 5 + length + TAG) break;
          if (sawFinal) throw new TamperedDataError('data after the final frame');
          const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey!, frameNonce(prefix!, index));
          decipher.setAAD(frameAad(index, final));
          queue.take(5, () => undefined);
          const plain = Buffer.allocUnsafe(length);
          let at = 0;
          queue.take(length, (piece) => {
            at += decipher.update(piece).copy(plain, at);
          });
          decipher.setAuthTag(queue.read(TAG));
          try {
            at += decipher.final().copy(plain, at);
          } catch {
            throw new TamperedDataError(`frame ${index} does not authenticate: the file was altered`);
          }
          index += 1;
          sawFinal = final;
          this.push(plain);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      if (!sawFinal || queue.length > 0) return callback(new TamperedDataError('the file is truncated'));
      callback();
    },
  });
}
