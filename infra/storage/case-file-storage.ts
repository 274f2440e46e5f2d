// Where a case's files live: staged uploads, return packages, statements. Encrypted at rest by every backend.
import type { Readable, Writable } from 'node:stream';

export interface StagedFile {
  fileId: string;
  caseId: string;
  category: string;
  name: string;
  bytes: number;
  sha256: string;
  records?: number;
  stagedAt: number;
}

export interface PackageInfo {
  caseId: string;
  packageId: string;
  zipSha256: string;
  zipBytes: number;
  createdAt: number;
}

export interface PackageWriter {
  /** Plain ZIP bytes go in; they are stored encrypted. */
  readonly stream: Writable;
  /** Makes the package visible once everything is on disk. */
  commit(info: Omit<PackageInfo, 'caseId' | 'packageId' | 'createdAt'>): Promise<PackageInfo>;
  abort(): Promise<void>;
}

export class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
  constructor(readonly limit: number) {
    super(`the file is larger than the limit of ${limit} bytes`);
  }
}

/** The disk (or quota) under the storage is full: nothing partial was kept, and a later try can succeed. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(cause: Error) {
    super('the storage is full', { cause });
  }
}

/** ENOSPC (no space left on the device) and EDQUOT (quota exceeded). */
export const isStorageFull = (err: unknown): boolean =>
  ['ENOSPC', 'EDQUOT'].includes((err as { code?: string } | undefined)?.code ?? '');

/**
 * The storage service did not answer, or answered that it is failing (refused, timed out, 5xx): nothing partial
 * was made visible, what was stored before is intact, and a later try can succeed (HTTP 503; activities retry).
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(
    readonly endpoint: string,
    readonly bucket: string,
    cause: Error,
  ) {
    super(
      `the file storage at ${endpoint} (bucket "${bucket}") is unavailable (${describeCause(cause)}): try again once it answers`,
      { cause },
    );
  }
}

function describeCause(cause: Error): string {
  const { code, $metadata } = cause as { code?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return [code ?? cause.name, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
}

export class StagedFileNotFoundError extends Error {
  override name = 'StagedFileNotFoundError';
}

export interface CaseFileStorage {
  /** Fails at start, with one line naming what and where, when the storage cannot be reached or written. */
  checkReachable(): Promise<void>;
  /** Streams, screens (declared type, archive bombs), counts and encrypts one file; nothing partial is kept. */
  stageFile(
    caseId: string,
    file: { category: string; name: string },
    source: Readable,
    options?: { maxBytes?: number; declaredType?: string },
  ): Promise<StagedFile>;
  listStaged(caseId: string): Promise<StagedFile[]>;
  getStaged(caseId: string, fileId: string): Promise<StagedFile | undefined>;
  /** The decrypted content of a staged file; the stream fails if a byte was altered at rest. */
  openStaged(caseId: string, fileId: string): Readable;
  removeStaged(caseId: string, fileId: string): Promise<boolean>;
  /** Destroys every staged file of the case and its data keys. */
  destroyStaged(caseId: string): Promise<number>;

  createPackageWriter(caseId: string, packageId: string): Promise<PackageWriter>;
  getPackage(caseId: string, packageId: string): Promise<PackageInfo | undefined>;
  openPackage(caseId: string, packageId: string): Readable;
  destroyPackage(caseId: string, packageId: string): Promise<boolean>;

  saveStatement(statementId: string, pdf: Buffer): Promise<void>;
  readStatement(statementId: string): Promise<Buffer | undefined>;
}
