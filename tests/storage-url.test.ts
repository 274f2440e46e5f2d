// STORAGE_URL: a bucket, a prefix and where the service is; a mistake stops the start with a message saying what
// is wrong, and never repeats a secret.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../infra/config';
import { Keyring } from '../infra/keys/keys';
import { FsCaseFileStorage } from '../infra/storage/fs-case-file-storage';
import { openCaseFileStorage } from '../infra/storage/open-case-file-storage';
import { S3CaseFileStorage } from '../infra/storage/s3-case-file-storage';
import { parseStorageUrl, StorageUrlError } from '../infra/storage/storage-url';

const keys = { AWS_ACCESS_KEY_ID: 'disposition', AWS_SECRET_ACCESS_KEY: 'very-secret-value' };

describe('parseStorageUrl', () => {
  it('reads the bucket, prefix, endpoint, region and path style, and takes the credentials from the environment', () => {
    expect(
      parseStorageUrl(
        's3://disposition/district-7/files?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true',
        keys,
      ),
    ).toEqual({
      bucket: 'disposition',
      prefix: 'district-7/files',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'disposition', secretAccessKey: 'very-secret-value' },
    });
    expect(parseStorageUrl('s3://disposition', {})).toEqual({
      bucket: 'disposition',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
    });
  });

  it.each([
    ['disposition', 'is not a URL'],
    ['https://disposition', 'does not start with s3://'],
    ['s3://Disposition', 'not a valid bucket name'],
    ['s3://disposition?endpont=http://127.0.0.1:9000', 'has the parameter "endpont"'],
    ['s3://disposition?endpoint=127.0.0.1:9000', 'which is not a URL such as http://host:port'],
    ['s3://disposition?endpoint=ftp://127.0.0.1:9000', 'neither http:// nor https://'],
    ['s3://disposition?endpoint=http://127.0.0.1:9000/minio', 'with a path or query'],
    ['s3://disposition?forcePathStyle=1', 'it is true or false'],
    ['s3://disposition/a//b', 'an empty, "." or ".." part'],
  ])('refuses %s: %s', (url, why) => {
    expect(() => parseStorageUrl(url, keys)).toThrow(StorageUrlError);
    expect(() => parseStorageUrl(url, keys)).toThrow(why);
  });

  it('refuses credentials in the URL without repeating them', () => {
    for (const url of [
      's3://user:hunter22@disposition',
      's3://disposition?endpoint=http://user:hunter22@127.0.0.1:9000',
    ]) {
      expect(() => parseStorageUrl(url, keys)).toThrow('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
      expect(() => parseStorageUrl(url, keys)).not.toThrow('hunter22');
    }
  });

  it('wants both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither', () => {
    expect(() => parseStorageUrl('s3://disposition', { AWS_ACCESS_KEY_ID: 'x' })).toThrow('set both, or neither');
  });
});

describe('STORAGE_URL in the configuration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-storage-url-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is checked when the configuration loads', () => {
    expect(loadConfig({}).storageUrl).toBeUndefined();
    expect(loadConfig({ STORAGE_URL: 's3://disposition?endpoint=http://127.0.0.1:9000', ...keys }).storageUrl).toBe(
      's3://disposition?endpoint=http://127.0.0.1:9000',
    );
    expect(() => loadConfig({ STORAGE_URL: 'ftp://disposition' })).toThrow(ConfigError);
  });

  it('picks the backend: the disk without it, the bucket with it', async () => {
    const keyring = Keyring.open(path.join(dir, 'keys'));
    expect(await openCaseFileStorage({ dataDir: path.join(dir, 'data') }, keyring)).toBeInstanceOf(FsCaseFileStorage);
    const s3 = await openCaseFileStorage(
      {
        dataDir: path.join(dir, 'data'),
        storageUrl: 's3://disposition?endpoint=http://127.0.0.1:9000&forcePathStyle=true',
      },
      keyring,
    );
    expect(s3).toBeInstanceOf(S3CaseFileStorage);
    (s3 as S3CaseFileStorage).close();
  });
});
