// Which backend holds the case files: the local disk under DATA_DIR, or the bucket STORAGE_URL names.
import type { Keyring } from '../keys';
import type { CaseFileStorage } from './case-file-storage';
import { FsCaseFileStorage } from './fs-case-file-storage';
import { S3CaseFileStorage } from './s3-case-file-storage';
import { parseStorageUrl } from './storage-url';

export function openCaseFileStorage(config: { dataDir: string; storageUrl?: string }, keyring: Keyring): CaseFileStorage {
  if (!config.storageUrl) return new FsCaseFileStorage(config.dataDir, keyring);
  return new S3CaseFileStorage(parseStorageUrl(config.storageUrl), keyring);
}
