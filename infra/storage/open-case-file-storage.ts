// Which backend holds the case files: the local disk under DATA_DIR, or the bucket STORAGE_URL names.
import type { Keyring } from '../keys/keys';
import type { CaseFileStorage } from './case-file-storage';
import { FsCaseFileStorage } from './fs-case-file-storage';
import { parseStorageUrl } from './storage-url';

export async function openCaseFileStorage(
  config: { dataDir: string; storageUrl?: string },
  keyring: Keyring,
): Promise<CaseFileStorage> {
  if (!config.storageUrl) return new FsCaseFileStorage(config.dataDir, keyring);
  // The S3 client is loaded only where a bucket is the storage: it is heavy, and a CLI command should not pay for it.
  const { S3CaseFileStorage } = await import('./s3-case-file-storage');
  return new S3CaseFileStorage(parseStorageUrl(config.storageUrl), keyring);
}
