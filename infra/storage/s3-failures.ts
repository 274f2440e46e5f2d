// What an S3 SDK failure means to the rest of Disposition: the storage is away for now (retry, HTTP 503), it is
// full, it refuses our credentials or lacks the bucket (an operator must act), or the object is simply not there.
import { StorageFullError, StorageUnavailableError } from './case-file-storage';

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: unknown[];
  cause?: unknown;
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const AWAY = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'XMinioServerNotInitialized',
]);
const FULL = new Set(['XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'QuotaExceeded']);
const REFUSED = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
]);

function isAway(err: unknown, depth = 0): boolean {
  const e = err as SdkError | undefined;
  if (!e || typeof e !== 'object' || depth > 3) return false;
  if (NETWORK.has(e.code ?? '') || AWAY.has(e.name ?? '')) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  // Connecting to a name with several addresses fails with all their errors at once.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isAway(inner, depth + 1))) return true;
  return e.cause !== undefined && isAway(e.cause, depth + 1);
}

/** A missing object (or one removed meanwhile); a missing bucket is a configuration error instead. */
export function isNotFound(err: unknown): boolean {
  const e = err as SdkError | undefined;
  if (e?.name === 'NoSuchKey' || e?.name === 'NotFound') return true;
  return e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket';
}

/** The error to throw for `err`: ours when it says something a person or a retry can act on, else `err` itself. */
export function storageFailure(err: unknown, where: { endpoint: string; bucket: string }): unknown {
  if (!(err instanceof Error) || err instanceof StorageUnavailableError || err instanceof StorageFullError) return err;
  const { name, $metadata } = err as SdkError;
  if (FULL.has(name ?? '') || $metadata?.httpStatusCode === 507) return new StorageFullError(err);
  if (isAway(err)) return new StorageUnavailableError(where.endpoint, where.bucket, err);
  if (name === 'NoSuchBucket')
    return new Error(
      `the bucket "${where.bucket}" does not exist at ${where.endpoint}: create it, or correct STORAGE_URL`,
      { cause: err },
    );
  if (REFUSED.has(name ?? '') || $metadata?.httpStatusCode === 403) {
    return new Error(
      `the file storage at ${where.endpoint} refused access to the bucket "${where.bucket}" (${name}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy`,
      { cause: err },
    );
  }
  return err;
}
