// What every backend does to an upload on its way in (screened, hashed, counted, limited, encrypted) and the record
// it makes of the file: one place, so the disk and the object store cannot drift apart in what they accept or keep.
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createEncryptStream } from '../keys/encryption-at-rest';
import type { Keyring } from '../keys/keys';
import { RecordCounter, recordFormatOf } from '../package/record-counter';
import { UploadTooLargeError, type StagedFile } from './case-file-storage';
import { safeFileName } from './file-names';
import { createUploadScreen } from './upload-screening';

// Ids become file names and object keys: nothing that could climb out of a folder or split a key.
const ID = /^[A-Za-z0-9_-]{1,128}$/;
export function checkId(what: string, id: string): string {
  if (!ID.test(id)) throw new Error(`${what} "${id}" is not a valid id`);
  return id;
}

/** Hashes, counts and limits the plain bytes on their way to encryption. */
class Inspect extends Transform {
  readonly hash = crypto.createHash('sha256');
  bytes = 0;
  constructor(
    readonly counter: RecordCounter | undefined,
    private readonly maxBytes: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return callback(new UploadTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    this.counter?.update(chunk);
    callback(null, chunk);
  }
}

export interface Staging {
  fileId: string;
  /** To pipe in this order between the upload and where its ciphertext is kept. */
  screen: Transform;
  inspect: Transform;
  encrypt: Transform;
  /** The file's record, once every byte went through. */
  record(): StagedFile;
}

export function prepareStaging(
  caseId: string,
  file: { category: string; name: string },
  keyring: Keyring,
  options: { maxBytes?: number; declaredType?: string },
): Staging {
  const fileId = crypto.randomBytes(16).toString('base64url');
  const name = safeFileName(file.name);
  const format = recordFormatOf(name);
  const inspect = new Inspect(
    format ? new RecordCounter(format) : undefined,
    options.maxBytes ?? Number.MAX_SAFE_INTEGER,
  );
  return {
    fileId,
    screen: createUploadScreen(name, options.declaredType),
    inspect,
    encrypt: createEncryptStream(keyring),
    record: () => ({
      fileId,
      caseId,
      category: file.category,
      name,
      bytes: inspect.bytes,
      sha256: inspect.hash.digest('hex'),
      ...(format ? { records: inspect.counter!.result() } : {}),
      stagedAt: Date.now(),
    }),
  };
}
