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

function frameNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

function frameAad(index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = final ? 1 : 0;
  return aad;
}

/** A stream that encrypts what passes through under a fresh data key wrapped by the current file key. */
export function createEncryptStream(keyring: Keyring): Transform {
  const { kid, key } = keyring.current('file');
  const dataKey = crypto.randomBytes(32);
  const wrapNonce = crypto.randomBytes(12);
  const wrap = crypto.createCipheriv('aes-256-gcm', key, wrapNonce);
  const wrapped = Buffer.concat([wrapNonce, wrap.update(dataKey), wrap.final(), wrap.getAuthTag()]);
  const prefix = crypto.randomBytes(8);
  const kidBytes = Buffer.from(kid);
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const seal = (plain: Buffer, final: boolean): Buffer => {
    const cipher = crypto.createCipheriv('aes-256-gcm', dataKey, frameNonce(prefix, index));
    cipher.setAAD(frameAad(index, final));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head[0] = final ? 1 : 0;
    head.writeUInt32BE(body.length, 1);
    index += 1;
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  };

  return new Transform({
    construct(callback) {
      this.push(Buffer.concat([MAGIC, Buffer.from([kidBytes.length]), kidBytes, wrapped, prefix]));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > CHUNK) {
        let all = Buffer.concat(pending);
        // Keep the last (possibly partial) chunk back: only flush knows which frame is final.
        while (all.length > CHUNK) {
          this.push(seal(all.subarray(0, CHUNK), false));
          all = all.subarray(CHUNK);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      callback();
    },
    flush(callback) {
      this.push(seal(Buffer.concat(pending), true));
      callback();
    },
  });
}

/** The inverse: emits a chunk only once its tag verified; fails on tampering, truncation or an unknown key. */
export function createDecryptStream(keyring: Keyring): Transform {
  let buffer: Buffer = Buffer.alloc(0);
  let dataKey: Buffer | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let sawFinal = false;

  const tryHeader = (): boolean => {
    if (buffer.length < 5) return false;
    if (!buffer.subarray(0, 4).equals(MAGIC)) throw new TamperedDataError('not an encrypted Disposition file');
    const kidLength = buffer[4]!;
    const headerLength = 5 + kidLength + 60 + 8;
    if (buffer.length < headerLength) return false;
    const kid = buffer.subarray(5, 5 + kidLength).toString();
    const key = keyring.get('file', kid);
    if (!key) throw new TamperedDataError(`the file key ${kid} is not in the keyring`);
    const wrapped = buffer.subarray(5 + kidLength, 5 + kidLength + 60);
    const unwrap = crypto.createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
    unwrap.setAuthTag(wrapped.subarray(44, 60));
    try {
      dataKey = Buffer.concat([unwrap.update(wrapped.subarray(12, 44)), unwrap.final()]);
    } catch {
      throw new TamperedDataError('the file\'s data key does not authenticate');
    }
    prefix = Buffer.from(buffer.subarray(5 + kidLength + 60, headerLength));
    buffer = buffer.subarray(headerLength);
    return true;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      try {
        if (!dataKey && !tryHeader()) return callback();
        while (buffer.length >= 5) {
          // The AAD carries only final or not: any flag byte but 0 and 1 would read as "not final" and pass.
          if (buffer[0]! > 1) throw new TamperedDataError(`frame ${index} has a flag this format never writes: the file was altered`);
          const final = buffer[0] === 1;
          const length = buffer.readUInt32BE(1);
          if (length > CHUNK) throw new TamperedDataError('a frame is longer than any this format writes');
          if (buffer.length < 5 + length + TAG) break;
          if (sawFinal) throw new TamperedDataError('data after the final frame');
          const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey!, frameNonce(prefix!, index));
          decipher.setAAD(frameAad(index, final));
          decipher.setAuthTag(buffer.subarray(5 + length, 5 + length + TAG));
          let plain: Buffer;
          try {
            plain = Buffer.concat([decipher.update(buffer.subarray(5, 5 + length)), decipher.final()]);
          } catch {
            throw new TamperedDataError(`frame ${index} does not authenticate: the file was altered`);
          }
          index += 1;
          sawFinal = final;
          buffer = buffer.subarray(5 + length + TAG);
          this.push(plain);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      if (!sawFinal || buffer.length > 0) return callback(new TamperedDataError('the file is truncated'));
      callback();
    },
  });
}
