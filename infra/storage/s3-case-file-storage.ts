// Case files in an S3-compatible bucket (MinIO, AWS S3): the same encrypted bytes the disk backend writes, streamed
// through multipart uploads so no file is ever whole in memory. Small JSON objects beside the data say what exists.
//
// Keys, under the URL's prefix:
//   cases/<caseId>/staged/<fileId>.enc                       the file, encrypted (its wrapped data key in the header)
//   cases/<caseId>/staged/<fileId>.json                      its StagedFile record
//   cases/<caseId>/packages/<packageId>.<attempt>.zip.enc    one attempt at the package, encrypted
//   cases/<caseId>/packages/<packageId>.json                 its PackageInfo and which attempt it is
//   statements/<statementId>.pdf.enc
// The data is written first and the JSON last, and the JSON is removed first: a file is listed only once its bytes
// are all stored, and an upload that fails or is abandoned leaves nothing listed.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  HeadBucketCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createDecryptStream, createEncryptStream } from '../keys/encryption-at-rest';
import type { Keyring } from '../keys/keys';
import {
  StagedFileNotFoundError,
  type CaseFileStorage,
  type PackageInfo,
  type PackageWriter,
  type StagedFile,
} from './case-file-storage';
import { isNotFound, storageFailure } from './s3-failures';
import { FieldSeal } from '../keys/field-seal';
import { checkId, prepareStaging } from './staging-streams';
import { describeLocation, type S3Location } from './storage-url';

/** The stored package record: which attempt's object holds its bytes (a rebuild never overwrites the last one). */
interface StoredPackage extends PackageInfo {
  object: string;
}

/** Up to QUEUE parts of PART bytes are in memory per upload. */
const PART = 8 * 1024 * 1024;
const QUEUE = 4;
/** Staged files' descriptions kept once read (about 0.3 KiB each). */
const KNOWN_DESCRIPTIONS = 50_000;

/** An object as a listing names it. */
interface Listed {
  key: string;
  etag?: string;
}

export class S3CaseFileStorage implements CaseFileStorage {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly where: { endpoint: string; bucket: string };
  /** A staged file's or a package's description (its name, its category) is sealed like the record's (field-seal.ts). */
  private readonly seal: FieldSeal;
  /**
   * Staged files' descriptions already read, by key, with the ETag they were read at. Each is written once, so a
   * listing reads only the new ones: an upload lists the case's staged files, and reading every description each
   * time made a return uploaded one file at a time cost n² reads. An object altered at rest has another ETag and
   * is read (and refused) again. A file removed or destroyed takes its description out (a name can name a student).
   */
  private readonly descriptions = new Map<string, { etag: string; file: StagedFile }>();

  constructor(
    location: S3Location,
    private readonly keyring: Keyring,
  ) {
    this.seal = new FieldSeal(keyring);
    this.bucket = location.bucket;
    this.root = location.prefix ? `${location.prefix}/` : '';
    this.where = { endpoint: describeLocation(location), bucket: location.bucket };
    this.client = new S3Client({
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      ...(location.credentials ? { credentials: location.credentials } : {}),
      // A storage that stops answering must become an error someone can act on, not a request hanging for ever.
      requestHandler: { connectionTimeout: 5_000, socketTimeout: 60_000 },
    });
  }

  async checkReachable(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // HEAD answers a missing bucket with a bare 404: say which.
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw new Error(
          `the bucket "${this.bucket}" does not exist at ${this.where.endpoint}: create it, or correct STORAGE_URL`,
        );
      }
      throw this.failure(err);
    }
  }

  /** Closes the connections; the storage is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }

  private stagedDir(caseId: string): string {
    return `${this.root}cases/${checkId('case', caseId)}/staged`;
  }
  private packagesDir(caseId: string): string {
    return `${this.root}cases/${checkId('case', caseId)}/packages`;
  }
  private statementKey(statementId: string): string {
    return `${this.root}statements/${checkId('statement', statementId)}.pdf.enc`;
  }

  async stageFile(
    caseId: string,
    file: { category: string; name: string },
    source: Readable,
    options: { maxBytes?: number; declaredType?: string } = {},
  ): Promise<StagedFile> {
    const dir = this.stagedDir(caseId);
    const staging = prepareStaging(caseId, file, this.keyring, options);
    const data = `${dir}/${staging.fileId}.enc`;
    const [piped, uploaded] = await Promise.allSettled([
      pipeline(source, staging.screen, staging.inspect, staging.encrypt),
      this.upload(data, staging.encrypt),
    ]);
    // The upload's error is the cause when the storage failed; when the upload failed, the pipeline failed with it.
    if (uploaded.status === 'rejected' || piped.status === 'rejected') {
      await this.forget([data]);
      throw uploaded.status === 'rejected' ? uploaded.reason : (piped as PromiseRejectedResult).reason;
    }
    const staged = staging.record();
    const meta = `${dir}/${staging.fileId}.json`;
    try {
      await this.putJson(meta, staged);
    } catch (err) {
      await this.forget([meta, data]);
      throw err;
    }
    return staged;
  }

  async listStaged(caseId: string): Promise<StagedFile[]> {
    return this.stagedIn(await this.listObjects(`${this.stagedDir(caseId)}/`));
  }

  private async stagedIn(objects: Listed[]): Promise<StagedFile[]> {
    const present = new Set(objects.map((o) => o.key));
    const records = objects.filter((o) => o.key.endsWith('.json') && present.has(o.key.replace(/\.json$/, '.enc')));
    const files = await Promise.all(records.map((o) => this.description(o)));
    return files
      .filter((f): f is StagedFile => f !== undefined)
      .sort((a, b) => a.stagedAt - b.stagedAt || a.fileId.localeCompare(b.fileId));
  }

  /** A staged file's description, read once per key and ETag (`descriptions`); a copy, so callers cannot alter it. */
  private async description({ key, etag }: Listed): Promise<StagedFile | undefined> {
    const known = this.descriptions.get(key);
    if (known && etag !== undefined && known.etag === etag) return { ...known.file };
    this.descriptions.delete(key);
    const read = await this.getJson<StagedFile>(key);
    if (read && etag !== undefined) {
      if (this.descriptions.size >= KNOWN_DESCRIPTIONS)
        this.descriptions.delete(this.descriptions.keys().next().value!);
      this.descriptions.set(key, { etag, file: read });
    }
    return read && { ...read };
  }

  async getStaged(caseId: string, fileId: string): Promise<StagedFile | undefined> {
    const dir = this.stagedDir(caseId);
    checkId('file', fileId);
    const [staged, stored] = await Promise.all([
      this.getJson<StagedFile>(`${dir}/${fileId}.json`),
      this.exists(`${dir}/${fileId}.enc`),
    ]);
    return stored ? staged : undefined;
  }

  openStaged(caseId: string, fileId: string): Readable {
    const key = `${this.stagedDir(caseId)}/${checkId('file', fileId)}.enc`;
    return this.openDecrypted(
      async () => key,
      () => new StagedFileNotFoundError(`staged file ${fileId} is not in the case's staging area`),
    );
  }

  async removeStaged(caseId: string, fileId: string): Promise<boolean> {
    const dir = this.stagedDir(caseId);
    checkId('file', fileId);
    const existed = await this.exists(`${dir}/${fileId}.enc`);
    await this.deleteKeys([`${dir}/${fileId}.json`]);
    this.descriptions.delete(`${dir}/${fileId}.json`); // after: a listing meanwhile may have read it again
    await this.deleteKeys([`${dir}/${fileId}.enc`]);
    return existed;
  }

  async destroyStaged(caseId: string): Promise<number> {
    const dir = `${this.stagedDir(caseId)}/`;
    const objects = await this.listObjects(dir);
    const keys = objects.map((o) => o.key);
    const files = await this.stagedIn(objects);
    await this.deleteKeys(keys.filter((key) => key.endsWith('.json')));
    for (const key of keys) this.descriptions.delete(key);
    await this.deleteKeys(keys.filter((key) => !key.endsWith('.json')));
    // Uploads cut off by a crash or an outage hold encrypted parts nobody lists: they go too.
    await this.abortUploads(dir);
    return files.length;
  }

  async createPackageWriter(caseId: string, packageId: string): Promise<PackageWriter> {
    const dir = this.packagesDir(caseId);
    checkId('package', packageId);
    const meta = `${dir}/${packageId}.json`;
    // What an attempt on a worker that died left behind; a new attempt starts over.
    await this.sweepAttempts(dir, packageId, (await this.getJson<StoredPackage>(meta))?.object);
    const object = `${packageId}.${crypto.randomBytes(6).toString('hex')}.zip.enc`;
    const encrypt = createEncryptStream(this.keyring);
    const done = this.upload(`${dir}/${object}`, encrypt);
    done.catch(() => undefined); // observed in commit/abort
    let committed = false;
    return {
      stream: encrypt,
      commit: async (info) => {
        await done;
        const previous = await this.getJson<StoredPackage>(meta);
        const record: PackageInfo = { caseId, packageId, ...info, createdAt: Date.now() };
        await this.putJson(meta, { ...record, object } satisfies StoredPackage);
        committed = true;
        if (previous && previous.object !== object) await this.forget([`${dir}/${previous.object}`]);
        return record;
      },
      abort: async () => {
        if (committed) return;
        encrypt.destroy(new Error('the package was abandoned'));
        await done.catch(() => undefined);
        // Left behind if the storage is away now: unlisted, and swept by the next attempt or the package's destruction.
        await this.forget([`${dir}/${object}`]);
      },
    };
  }

  /** The object holding the package's bytes, when its record names one of its own attempts. */
  private async packageObject(
    caseId: string,
    packageId: string,
  ): Promise<{ key: string; stored: StoredPackage } | undefined> {
    const dir = this.packagesDir(caseId);
    checkId('package', packageId);
    const stored = await this.getJson<StoredPackage>(`${dir}/${packageId}.json`);
    if (
      !stored ||
      !/^[A-Za-z0-9_-]+\.[0-9a-f]+\.zip\.enc$/.test(stored.object) ||
      !stored.object.startsWith(`${packageId}.`)
    )
      return undefined;
    return { key: `${dir}/${stored.object}`, stored };
  }

  async getPackage(caseId: string, packageId: string): Promise<PackageInfo | undefined> {
    const found = await this.packageObject(caseId, packageId);
    if (!found || !(await this.exists(found.key))) return undefined;
    const { object: _object, ...info } = found.stored;
    return info;
  }

  openPackage(caseId: string, packageId: string): Readable {
    checkId('case', caseId);
    checkId('package', packageId);
    return this.openDecrypted(
      async () => (await this.packageObject(caseId, packageId))?.key,
      () => new StagedFileNotFoundError(`package ${packageId} is not stored`),
    );
  }

  async destroyPackage(caseId: string, packageId: string): Promise<boolean> {
    const dir = this.packagesDir(caseId);
    const existed = (await this.getPackage(caseId, packageId)) !== undefined;
    await this.deleteKeys([`${dir}/${packageId}.json`]);
    await this.sweepAttempts(dir, packageId, undefined);
    return existed;
  }

  async saveStatement(statementId: string, pdf: Buffer): Promise<void> {
    const key = this.statementKey(statementId);
    const encrypt = createEncryptStream(this.keyring);
    encrypt.end(pdf);
    await this.upload(key, encrypt);
  }

  async readStatement(statementId: string): Promise<Buffer | undefined> {
    const key = this.statementKey(statementId);
    const chunks: Buffer[] = [];
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      await pipeline(Body as Readable, createDecryptStream(this.keyring), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.failure(err);
    }
    return Buffer.concat(chunks);
  }

  private failure(err: unknown): unknown {
    return storageFailure(err, this.where);
  }

  /** Streams `body` into the object `key`; on failure `body` is destroyed, so whoever writes into it stops. */
  private async upload(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART,
      queueSize: QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      const failure = this.failure(err);
      body.destroy(failure as Error);
      throw failure;
    }
  }

  /**
   * The plaintext of the object `locate` names, fetched when the stream is first read from. A missing object
   * fails the stream with `missing()`, an altered byte with TamperedDataError, an outage with StorageUnavailableError.
   */
  private openDecrypted(locate: () => Promise<string | undefined>, missing: () => Error): Readable {
    const decrypt = createDecryptStream(this.keyring);
    const abort = new AbortController();
    decrypt.once('close', () => abort.abort());
    const start = async (): Promise<void> => {
      const key = await locate();
      if (key === undefined) throw missing();
      let body: Readable;
      try {
        body = (
          await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: abort.signal })
        ).Body as Readable;
      } catch (err) {
        throw isNotFound(err) ? missing() : err;
      }
      if (decrypt.destroyed) return void body.destroy();
      body.once('error', (err) => decrypt.destroy(this.failure(err) as Error));
      decrypt.once('close', () => body.destroy());
      body.pipe(decrypt);
    };
    start().catch((err: unknown) => decrypt.destroy(this.failure(err) as Error));
    return decrypt;
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(this.seal.open(await Body!.transformToString('utf8'), `storage|${key}`)) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.failure(err);
    }
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: this.seal.seal(JSON.stringify(value), `storage|${key}`),
          ContentType: 'text/plain',
        }),
      );
    } catch (err) {
      throw this.failure(err);
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.failure(err);
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((o) => o.key);
  }

  private async listObjects(prefix: string): Promise<Listed[]> {
    const objects: Listed[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key) objects.push({ key: object.Key, ...(object.ETag ? { etag: object.ETag } : {}) });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.failure(err);
    }
    return objects;
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += 1000) {
      const batch = keys.slice(at, at + 1000);
      let failed: { Key?: string; Code?: string; Message?: string } | undefined;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        failed = out.Errors?.[0];
      } catch (err) {
        throw this.failure(err);
      }
      if (failed)
        throw this.failure(
          Object.assign(
            new Error(`the storage did not delete ${failed.Key}: ${failed.Code} ${failed.Message ?? ''}`.trim()),
            { name: failed.Code ?? 'Error' },
          ),
        );
    }
  }

  /** Deletes `keys` in order, stopping at the first that fails: a record never outlives its data. */
  private async forget(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.deleteKeys([key]);
      } catch {
        return; // the storage is away; what stays is unlisted or still whole
      }
    }
  }

  /** Removes every attempt at the package but `keep`, finished or cut off. */
  private async sweepAttempts(dir: string, packageId: string, keep: string | undefined): Promise<void> {
    const prefix = `${dir}/${packageId}.`;
    const stale = (await this.listKeys(prefix)).filter((key) => key.endsWith('.zip.enc') && key !== `${dir}/${keep}`);
    await this.deleteKeys(stale);
    await this.abortUploads(prefix);
  }

  /**
   * Aborts the unfinished uploads under `prefix`. The bucket's uploads are listed whole and filtered here: MinIO
   * answers a listing by a folder's prefix with no uploads at all (it matches only a whole object key), which left
   * the encrypted parts of every upload cut off by a dead process in the bucket for ever.
   */
  private async abortUploads(prefix: string): Promise<void> {
    try {
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (;;) {
        const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, ...markers }));
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key?.startsWith(prefix) || !upload.UploadId) continue;
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }),
          );
        }
        if (!page.IsTruncated) return;
        markers = {
          ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
          ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
        };
      }
    } catch (err) {
      throw this.failure(err);
    }
  }
}
