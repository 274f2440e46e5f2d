// Files at rest: chunked AES-256-GCM. Every byte altered, cut or added must be caught (7400.1 I.F).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecryptStream, createEncryptStream, TamperedDataError } from '../infra/keys/encryption-at-rest';
import { Keyring } from '../infra/keys/keys';
import { memorySink } from './support/memory-sink';

const CHUNK = 65536;
const TAG = 16;
const FRAME_HEAD = 5;

async function encrypt(keyring: Keyring, plain: Buffer, pieces: Buffer[] = [plain]): Promise<Buffer> {
  const out = memorySink();
  await pipeline(Readable.from(pieces), createEncryptStream(keyring), out.sink);
  return out.bytes();
}

async function decrypt(keyring: Keyring, cipher: Buffer, pieces: Buffer[] = [cipher]): Promise<Buffer> {
  const out = memorySink();
  await pipeline(Readable.from(pieces), createDecryptStream(keyring), out.sink);
  return out.bytes();
}

const headerLength = (cipher: Buffer): number => 5 + cipher[4]! + 60 + 8;

/** Offsets of each frame: where it starts, its length, whether it is final. */
function frames(cipher: Buffer): { start: number; length: number; final: boolean }[] {
  const found: { start: number; length: number; final: boolean }[] = [];
  for (let at = headerLength(cipher); at < cipher.length;) {
    const length = cipher.readUInt32BE(at + 1);
    found.push({ start: at, length, final: cipher[at] === 1 });
    at += FRAME_HEAD + length + TAG;
  }
  return found;
}

const flipped = (data: Buffer, index: number, mask = 0xff): Buffer => {
  const copy = Buffer.from(data);
  copy[index]! ^= mask;
  return copy;
};

describe('encryption at rest', () => {
  let dir: string;
  let keyring: Keyring;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-encryption-'));
    keyring = Keyring.open(path.join(dir, 'keys'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('round trip', () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5]) {
      it(`gives back ${size} bytes exactly, in frames of at most 64 KiB with only the last one final`, async () => {
        const plain = crypto.randomBytes(size);
        const cipher = await encrypt(keyring, plain);
        expect(cipher.subarray(0, 4).toString()).toBe('DSP1');
        expect(cipher.subarray(5, 5 + cipher[4]!).toString()).toBe(keyring.current('file').kid);
        const layout = frames(cipher);
        const expectedFrames = Math.max(1, Math.ceil(size / CHUNK));
        expect(layout).toHaveLength(expectedFrames);
        expect(layout.map((f) => f.final)).toEqual([...Array(expectedFrames - 1).fill(false), true]);
        expect(layout.reduce((sum, f) => sum + f.length, 0)).toBe(size);
        expect(cipher.length).toBe(headerLength(cipher) + size + expectedFrames * (FRAME_HEAD + TAG));
        // the plaintext does not appear in the file
        if (size >= 32) expect(cipher.includes(plain.subarray(0, 32))).toBe(false);

        const back = await decrypt(keyring, cipher);
        expect(back.length).toBe(size);
        expect(back.equals(plain)).toBe(true);
      });
    }

    it('gives the same result whatever the input and output chunk sizes, fed byte by byte included', async () => {
      const plain = crypto.randomBytes(2 * CHUNK + 77);
      const ragged: Buffer[] = [];
      for (let at = 0, step = 1; at < plain.length; at += step, step = ((step * 7 + 3) % 40_000) + 1)
        ragged.push(plain.subarray(at, at + step));
      const cipher = await encrypt(keyring, plain, ragged);
      expect(frames(cipher).map((f) => f.length)).toEqual([CHUNK, CHUNK, 77]);
      expect((await decrypt(keyring, cipher)).equals(plain)).toBe(true);
      const bytewise = [...cipher].map((b) => Buffer.from([b]));
      expect((await decrypt(keyring, cipher, bytewise)).equals(plain)).toBe(true);
    });

    it('encrypts the same content differently each time', async () => {
      const plain = Buffer.from('student_id,name\n1001,Ana Lima\n');
      const a = await encrypt(keyring, plain);
      const b = await encrypt(keyring, plain);
      expect(a.equals(b)).toBe(false);
      expect((await decrypt(keyring, a)).equals(plain)).toBe(true);
      expect((await decrypt(keyring, b)).equals(plain)).toBe(true);
    });
  });

  describe('tampering', () => {
    let plain: Buffer;
    let cipher: Buffer;

    beforeAll(async () => {
      plain = crypto.randomBytes(3 * CHUNK + 5);
      cipher = await encrypt(keyring, plain);
    });

    it('catches one byte flipped at every position of a small file', async () => {
      const small = await encrypt(keyring, crypto.randomBytes(300));
      for (let i = 0; i < small.length; i += 1) {
        await expect(decrypt(keyring, flipped(small, i)), `byte ${i}`).rejects.toThrow(TamperedDataError);
      }
    });

    it('catches one byte flipped in any frame: its head, its body or its tag', async () => {
      const positions = new Set<number>();
      for (const frame of frames(cipher)) {
        const end = frame.start + FRAME_HEAD + frame.length + TAG;
        for (let i = frame.start; i < frame.start + FRAME_HEAD + 3; i += 1) positions.add(i); // flag, length, first body bytes
        for (const i of [frame.start + FRAME_HEAD + (frame.length >> 1), end - TAG - 1, end - TAG, end - 1])
          positions.add(i);
      }
      for (const i of positions) {
        await expect(decrypt(keyring, flipped(cipher, i)), `byte ${i}`).rejects.toThrow(TamperedDataError);
      }
    });

    it('catches a single bit changed in a frame flag, length or body', async () => {
      const layout = frames(cipher);
      const first = layout[0]!;
      const last = layout.at(-1)!;
      for (const [i, mask] of [
        [first.start, 0x01], // non-final flagged final
        [first.start, 0x02], // a flag value the format never writes
        [last.start, 0x01], // final flagged non-final
        [last.start, 0x02],
        [first.start + 4, 0x01], // length one off
        [first.start + FRAME_HEAD + 100, 0x80],
      ] as const) {
        await expect(decrypt(keyring, flipped(cipher, i, mask)), `byte ${i} ^ ${mask}`).rejects.toThrow(
          TamperedDataError,
        );
      }
    });

    it('catches one byte flipped in the header: magic, key id, wrapped key or nonce prefix', async () => {
      for (let i = 0; i < headerLength(cipher); i += 1) {
        await expect(decrypt(keyring, flipped(cipher, i)), `header byte ${i}`).rejects.toThrow(TamperedDataError);
      }
    });

    it('catches frames swapped', async () => {
      const a = frames(cipher)[0]!;
      const b = frames(cipher)[1]!;
      const size = FRAME_HEAD + a.length + TAG;
      const swapped = Buffer.concat([
        cipher.subarray(0, a.start),
        cipher.subarray(b.start, b.start + size),
        cipher.subarray(a.start, a.start + size),
        cipher.subarray(b.start + size),
      ]);
      expect(swapped.length).toBe(cipher.length);
      await expect(decrypt(keyring, swapped)).rejects.toThrow(TamperedDataError);
    });

    it('catches the last frame dropped', async () => {
      const last = frames(cipher).at(-1)!;
      await expect(decrypt(keyring, cipher.subarray(0, last.start))).rejects.toThrow('truncated');
    });

    it('catches a cut inside a frame, inside the header and at the end of the header', async () => {
      const first = frames(cipher)[0]!;
      const second = frames(cipher)[1]!;
      for (const cut of [
        cipher.length - 1,
        cipher.length - TAG,
        second.start + 2,
        first.start + FRAME_HEAD + 1000,
        headerLength(cipher),
        20,
        3,
        0,
      ]) {
        await expect(decrypt(keyring, cipher.subarray(0, cut)), `cut at ${cut}`).rejects.toThrow(TamperedDataError);
      }
    });

    it('catches bytes appended after the final frame', async () => {
      const again = frames(cipher).at(-1)!;
      const lastFrame = cipher.subarray(again.start);
      for (const extra of [Buffer.from([0]), Buffer.alloc(5), crypto.randomBytes(100), lastFrame]) {
        await expect(
          decrypt(keyring, Buffer.concat([cipher, extra])),
          `${extra.length} bytes appended`,
        ).rejects.toThrow(TamperedDataError);
      }
    });

    it('serves nothing past the frame that failed', async () => {
      const last = frames(cipher).at(-1)!;
      const served: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          served.push(chunk);
          callback();
        },
      });
      const bad = flipped(cipher, last.start + FRAME_HEAD);
      await expect(pipeline(Readable.from([bad]), createDecryptStream(keyring), sink)).rejects.toThrow(
        TamperedDataError,
      );
      const got = Buffer.concat(served);
      expect(got.length).toBeLessThanOrEqual(3 * CHUNK);
      expect(got.equals(plain.subarray(0, got.length))).toBe(true);
    });
  });

  describe('keys', () => {
    it('refuses a file whose key is not in the keyring', async () => {
      const other = Keyring.open(path.join(dir, 'other-keys'));
      const cipher = await encrypt(other, Buffer.from('hello'));
      await expect(decrypt(keyring, cipher)).rejects.toThrow(TamperedDataError);
      await expect(decrypt(keyring, cipher)).rejects.toThrow(
        `the file key ${other.current('file').kid} is not in the keyring`,
      );
    });

    it('refuses a file whose key id names our key but whose data key was wrapped by another', async () => {
      const other = Keyring.open(path.join(dir, 'other-keys-2'));
      const theirs = await encrypt(other, Buffer.from('hello'));
      const ours = await encrypt(keyring, Buffer.from('hello'));
      expect(theirs[4]).toBe(ours[4]);
      const kidEnd = 5 + theirs[4]!;
      const forged = Buffer.concat([ours.subarray(0, kidEnd), theirs.subarray(kidEnd)]);
      await expect(decrypt(keyring, forged)).rejects.toThrow('does not authenticate');
    });

    it('still decrypts a file written before rotation, and writes new files under the new key', async () => {
      const rotating = Keyring.open(path.join(dir, 'rotating-keys'));
      const oldKid = rotating.current('file').kid;
      const plain = crypto.randomBytes(CHUNK + 10);
      const before = await encrypt(rotating, plain);
      const { kids } = await rotating.rotate();
      expect(kids.file).not.toBe(oldKid);
      const after = await encrypt(rotating, plain);
      expect(before.subarray(5, 5 + before[4]!).toString()).toBe(oldKid);
      expect(after.subarray(5, 5 + after[4]!).toString()).toBe(kids.file);
      expect((await decrypt(rotating, before)).equals(plain)).toBe(true);
      expect((await decrypt(rotating, after)).equals(plain)).toBe(true);
      const reopened = Keyring.open(path.join(dir, 'rotating-keys'));
      expect((await decrypt(reopened, before)).equals(plain)).toBe(true);
    });
  });
});
