// Every storage backend keeps the same promises: the disk under DATA_DIR and an S3-compatible bucket (MinIO here)
// stage, list, serve, remove and destroy files alike, show nothing partial, and catch a byte altered at rest.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  DeleteObjectsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { startMinio } from '../scripts/services/minio';
import { readPid, SERVICES_STATE } from '../scripts/services/service-kit';
import { TamperedDataError } from '../infra/keys/encryption-at-rest';
import { Keyring } from '../infra/keys/keys';
import {
  StagedFileNotFoundError,
  StorageUnavailableError,
  UploadTooLargeError,
  type CaseFileStorage,
} from '../infra/storage/case-file-storage';
import { FsCaseFileStorage } from '../infra/storage/fs-case-file-storage';
import { S3CaseFileStorage } from '../infra/storage/s3-case-file-storage';
import { parseStorageUrl } from '../infra/storage/storage-url';

const MiB = 1024 * 1024;

interface Backend {
  storage: CaseFileStorage;
  /** Flips one byte of a staged file's stored (encrypted) data, `at` bytes in. */
  tamperStaged(caseId: string, fileId: string, at: number): Promise<void>;
  /** Whatever the backend still holds for the case: files, objects, unfinished uploads. */
  leftovers(caseId: string): Promise<string[]>;
  /** What a process that died mid-write leaves: part of a staged file, or of a package attempt. */
  cutOffUpload(caseId: string, of: 'staged' | 'package'): Promise<void>;
}

/** `bytes` random bytes in 64 KiB pieces (never held whole), and the SHA-256 of what was produced. */
function generated(bytes: number, failAfter?: number): { source: Readable; sha256: () => string } {
  const hash = crypto.createHash('sha256');
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes; at += 64 * 1024) {
      if (failAfter !== undefined && at >= failAfter) throw new Error('the vendor hung up');
      const piece = crypto.randomBytes(Math.min(64 * 1024, bytes - at));
      if (at === 0) piece.write('DATA'); // never sniffed as a PDF, ZIP or gzip by chance
      hash.update(piece);
      yield piece;
    }
  }
  return { source: Readable.from(pieces()), sha256: () => hash.digest('hex') };
}

async function digest(open: () => Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of open()) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const caseIds = (() => {
  let n = 0;
  return (): string => `Case${process.pid}x${(n += 1)}`;
})();

function contract(name: string, open: () => Backend) {
  describe(name, () => {
    let backend: Backend;
    let storage: CaseFileStorage;
    beforeAll(() => {
      backend = open();
      storage = backend.storage;
    });

    it('stages a file streamed in, lists it, and serves it back byte for byte', async () => {
      const caseId = caseIds();
      const input = generated(12 * MiB + 12_345);
      const staged = await storage.stageFile(caseId, { category: 'electronic', name: 'scan.bin' }, input.source);
      expect(staged).toMatchObject({
        caseId,
        category: 'electronic',
        name: 'scan.bin',
        bytes: 12 * MiB + 12_345,
        sha256: input.sha256(),
      });
      const roster = await storage.stageFile(
        caseId,
        { category: 'permanent', name: 'roster.csv' },
        Readable.from(['id,name\n1,Ana Lima\n', '2,Ben Okafor\n']),
      );
      expect(roster.records).toBe(2);

      expect(await storage.listStaged(caseId)).toEqual([staged, roster]);
      expect(await storage.getStaged(caseId, staged.fileId)).toEqual(staged);
      expect(await digest(() => storage.openStaged(caseId, staged.fileId))).toEqual({
        sha256: staged.sha256,
        bytes: staged.bytes,
      });
      expect(await digest(() => storage.openStaged(caseId, roster.fileId))).toEqual({
        sha256: roster.sha256,
        bytes: roster.bytes,
      });
      expect(await storage.getStaged(caseId, 'noSuchFile')).toBeUndefined();
      expect(await storage.listStaged(caseIds())).toEqual([]);
    });

    it('keeps nothing of an upload that fails halfway or runs over the limit', async () => {
      const caseId = caseIds();
      await expect(
        storage.stageFile(caseId, { category: 'electronic', name: 'cut.bin' }, generated(20 * MiB, 10 * MiB).source),
      ).rejects.toThrow('the vendor hung up');
      await expect(
        storage.stageFile(caseId, { category: 'electronic', name: 'big.bin' }, generated(10 * MiB).source, {
          maxBytes: 9 * MiB,
        }),
      ).rejects.toThrow(UploadTooLargeError);
      expect(await storage.listStaged(caseId)).toEqual([]);
      expect(await backend.leftovers(caseId)).toEqual([]);
    });

    it('removes one staged file, and then has no such file', async () => {
      const caseId = caseIds();
      const kept = await storage.stageFile(
        caseId,
        { category: 'electronic', name: 'kept.txt' },
        Readable.from(['keep me\n']),
      );
      const gone = await storage.stageFile(
        caseId,
        { category: 'electronic', name: 'gone.txt' },
        Readable.from(['remove me\n']),
      );
      expect(await storage.removeStaged(caseId, gone.fileId)).toBe(true);
      expect(await storage.removeStaged(caseId, gone.fileId)).toBe(false);
      expect(await storage.getStaged(caseId, gone.fileId)).toBeUndefined();
      expect(await storage.listStaged(caseId)).toEqual([kept]);
      await expect(digest(() => storage.openStaged(caseId, gone.fileId))).rejects.toThrow(StagedFileNotFoundError);
    });

    it('destroys every staged file of a case and its data', async () => {
      const caseId = caseIds();
      await storage.stageFile(caseId, { category: 'electronic', name: 'a.txt' }, Readable.from(['a\n']));
      await storage.stageFile(caseId, { category: 'electronic', name: 'b.bin' }, generated(6 * MiB).source);
      expect(await storage.destroyStaged(caseId)).toBe(2);
      expect(await storage.listStaged(caseId)).toEqual([]);
      expect(await backend.leftovers(caseId)).toEqual([]);
      expect(await storage.destroyStaged(caseId)).toBe(0);
    });

    it('destroys, with the staged files, what an upload cut off by a dead process left', async () => {
      const caseId = caseIds();
      await storage.stageFile(caseId, { category: 'electronic', name: 'kept.txt' }, Readable.from(['kept\n']));
      await backend.cutOffUpload(caseId, 'staged');
      expect((await storage.listStaged(caseId)).map((f) => f.name)).toEqual(['kept.txt']);
      expect(await backend.leftovers(caseId)).toHaveLength(3); // the file, its record, and the cut-off part
      expect(await storage.destroyStaged(caseId)).toBe(1);
      expect(await backend.leftovers(caseId)).toEqual([]);
    });

    it('sweeps away the package attempt of a worker that died when the next attempt begins', async () => {
      const caseId = caseIds();
      await backend.cutOffUpload(caseId, 'package');
      expect(await backend.leftovers(caseId)).toHaveLength(1);
      const writer = await storage.createPackageWriter(caseId, 'return-1');
      const input = generated(50_000);
      await pipeline(input.source, writer.stream);
      await writer.commit({ zipSha256: input.sha256(), zipBytes: 50_000 });
      expect(await backend.leftovers(caseId)).toHaveLength(2); // its record and one copy of its bytes
    });

    it('stores a package once committed, replaces it on a rebuild, and destroys it', async () => {
      const caseId = caseIds();
      expect(await storage.getPackage(caseId, 'return-1')).toBeUndefined();
      const write = async (bytes: number) => {
        const writer = await storage.createPackageWriter(caseId, 'return-1');
        const input = generated(bytes);
        await pipeline(input.source, writer.stream);
        return writer.commit({ zipSha256: input.sha256(), zipBytes: bytes });
      };
      const first = await write(9 * MiB + 7);
      expect(first).toMatchObject({ caseId, packageId: 'return-1', zipBytes: 9 * MiB + 7 });
      expect(await storage.getPackage(caseId, 'return-1')).toEqual(first);
      expect(await digest(() => storage.openPackage(caseId, 'return-1'))).toEqual({
        sha256: first.zipSha256,
        bytes: first.zipBytes,
      });

      const second = await write(100_000);
      expect(await storage.getPackage(caseId, 'return-1')).toEqual(second);
      expect(await digest(() => storage.openPackage(caseId, 'return-1'))).toEqual({
        sha256: second.zipSha256,
        bytes: 100_000,
      });
      expect(await backend.leftovers(caseId)).toHaveLength(2); // its record and one copy of its bytes

      expect(await storage.destroyPackage(caseId, 'return-1')).toBe(true);
      expect(await storage.getPackage(caseId, 'return-1')).toBeUndefined();
      await expect(digest(() => storage.openPackage(caseId, 'return-1'))).rejects.toThrow(StagedFileNotFoundError);
      expect(await backend.leftovers(caseId)).toEqual([]);
      expect(await storage.destroyPackage(caseId, 'return-1')).toBe(false);
    });

    it('leaves nothing of an aborted package, and the package stored before it intact', async () => {
      const caseId = caseIds();
      const aborted = await storage.createPackageWriter(caseId, 'return-1');
      await pipeline(generated(10 * MiB).source, aborted.stream, { end: false });
      await aborted.abort();
      expect(await storage.getPackage(caseId, 'return-1')).toBeUndefined();
      expect(await backend.leftovers(caseId)).toEqual([]);

      const writer = await storage.createPackageWriter(caseId, 'return-1');
      const input = generated(50_000);
      await pipeline(input.source, writer.stream);
      const stored = await writer.commit({ zipSha256: input.sha256(), zipBytes: 50_000 });
      const again = await storage.createPackageWriter(caseId, 'return-1');
      await pipeline(generated(9 * MiB).source, again.stream);
      await again.abort();
      expect(await storage.getPackage(caseId, 'return-1')).toEqual(stored);
      expect(await digest(() => storage.openPackage(caseId, 'return-1'))).toEqual({
        sha256: stored.zipSha256,
        bytes: 50_000,
      });
      expect(await backend.leftovers(caseId)).toHaveLength(2);
    });

    it('fails the read of a file with one byte altered at rest', async () => {
      const caseId = caseIds();
      const staged = await storage.stageFile(
        caseId,
        { category: 'electronic', name: 'scan.bin' },
        generated(3 * MiB).source,
      );
      await backend.tamperStaged(caseId, staged.fileId, 2 * MiB);
      await expect(digest(() => storage.openStaged(caseId, staged.fileId))).rejects.toThrow(TamperedDataError);
    });

    it('saves a statement and reads it back; an unknown one is undefined', async () => {
      const id = `st-${crypto.randomBytes(4).toString('hex')}`;
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(200_000)]);
      await storage.saveStatement(id, pdf);
      expect((await storage.readStatement(id))!.equals(pdf)).toBe(true);
      const replaced = Buffer.from('%PDF-1.7\nsecond\n');
      await storage.saveStatement(id, replaced);
      expect((await storage.readStatement(id))!.equals(replaced)).toBe(true);
      expect(await storage.readStatement(`${id}-missing`)).toBeUndefined();
    });
  });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-storage-'));
const keyring = Keyring.open(path.join(scratch, 'keys'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

contract('files under DATA_DIR', () => {
  const root = path.join(scratch, 'data');
  const list = (dir: string): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      : [];
  return {
    storage: new FsCaseFileStorage(root, keyring),
    async tamperStaged(caseId, fileId, at) {
      const file = path.join(root, 'staging', caseId, `${fileId}.enc`);
      const fd = fs.openSync(file, 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, at);
      byte[0]! ^= 0xff;
      fs.writeSync(fd, byte, 0, 1, at);
      fs.closeSync(fd);
    },
    leftovers: async (caseId) => [
      ...list(path.join(root, 'staging', caseId)),
      ...list(path.join(root, 'packages', caseId)),
    ],
    async cutOffUpload(caseId, of) {
      const [dir, name] =
        of === 'staged'
          ? [path.join(root, 'staging', caseId), `${crypto.randomBytes(16).toString('base64url')}.part`]
          : [
              path.join(root, 'packages', caseId),
              `return-1.zip.enc.${process.pid + 1}.${crypto.randomBytes(4).toString('hex')}.part`,
            ];
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, name), crypto.randomBytes(100_000));
    },
  };
});

describe('an S3-compatible bucket (MinIO)', () => {
  const prefix = `contract-${Date.now()}-${crypto.randomBytes(3).toString('hex')}`;
  const minioPid = path.join(SERVICES_STATE, 'minio', 'minio.pid');
  let startedHere = false;
  let minio: Awaited<ReturnType<typeof startMinio>>;
  let client: S3Client;
  let storage: S3CaseFileStorage;

  beforeAll(async () => {
    startedHere = readPid(minioPid) === undefined;
    minio = await startMinio((line) => console.log(`[minio] ${line}`));
    client = new S3Client({
      endpoint: minio.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
    });
    const url = minio.storageUrl.replace(`s3://${minio.bucket}`, `s3://${minio.bucket}/${prefix}`);
    storage = new S3CaseFileStorage(
      parseStorageUrl(url, { AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey }),
      keyring,
    );
  });

  afterAll(async () => {
    storage?.close();
    if (client) {
      const keys =
        (await client.send(new ListObjectsV2Command({ Bucket: minio.bucket, Prefix: `${prefix}/` }))).Contents ?? [];
      if (keys.length)
        await client.send(
          new DeleteObjectsCommand({ Bucket: minio.bucket, Delete: { Objects: keys.map((k) => ({ Key: k.Key! })) } }),
        );
      client.destroy();
    }
    if (startedHere) await minio?.stop();
  });

  contract('the same promises', () => ({
    get storage() {
      return storage;
    },
    async tamperStaged(caseId, fileId, at) {
      const Key = `${prefix}/cases/${caseId}/staged/${fileId}.enc`;
      const data = Buffer.from(
        await (await client.send(new GetObjectCommand({ Bucket: minio.bucket, Key }))).Body!.transformToByteArray(),
      );
      data[at]! ^= 0xff;
      await client.send(new PutObjectCommand({ Bucket: minio.bucket, Key, Body: data }));
    },
    async leftovers(caseId) {
      const Prefix = `${prefix}/cases/${caseId}/`;
      const objects = (await client.send(new ListObjectsV2Command({ Bucket: minio.bucket, Prefix }))).Contents ?? [];
      // Listed whole: MinIO lists uploads by prefix only for an exact key, and a folder's prefix finds none.
      const uploads = (
        (await client.send(new ListMultipartUploadsCommand({ Bucket: minio.bucket }))).Uploads ?? []
      ).filter((u) => u.Key!.startsWith(Prefix));
      return [
        ...objects.map((o) => o.Key!.slice(Prefix.length)),
        ...uploads.map((u) => `unfinished upload of ${u.Key!.slice(Prefix.length)}`),
      ];
    },
    async cutOffUpload(caseId, of) {
      const Key =
        of === 'staged'
          ? `${prefix}/cases/${caseId}/staged/${crypto.randomBytes(16).toString('base64url')}.enc`
          : `${prefix}/cases/${caseId}/packages/return-1.${crypto.randomBytes(6).toString('hex')}.zip.enc`;
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: minio.bucket, Key }));
      await client.send(
        new UploadPartCommand({
          Bucket: minio.bucket,
          Key,
          UploadId,
          PartNumber: 1,
          Body: crypto.randomBytes(5 * MiB),
        }),
      );
    },
  }));

  // An upload lists the case's staged files: reading every description on every listing made a return uploaded one
  // file at a time cost n² requests. Each description is written once and read once, by key and ETag.
  it("reads each staged file's description once, refuses one altered at rest, and forgets those destroyed", async () => {
    const caseId = caseIds();
    const staged = [];
    for (const name of ['a.csv', 'b.csv', 'c.csv'])
      staged.push(await storage.stageFile(caseId, { category: 'permanent', name }, Readable.from(['id\n1\n'])));
    const reads: string[] = [];
    (storage as unknown as { client: S3Client }).client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'GetObjectCommand') reads.push((args.input as { Key: string }).Key);
        return next(args);
      },
      { step: 'initialize', name: 'count-reads' },
    );
    try {
      expect(await storage.listStaged(caseId)).toEqual(staged);
      expect(reads.filter((key) => key.endsWith('.json'))).toHaveLength(3);
      reads.length = 0;
      expect(await storage.listStaged(caseId)).toEqual(staged);
      expect(reads).toEqual([]);

      const Key = `${prefix}/cases/${caseId}/staged/${staged[1]!.fileId}.json`;
      const sealed = await (
        await client.send(new GetObjectCommand({ Bucket: minio.bucket, Key }))
      ).Body!.transformToString();
      await client.send(new PutObjectCommand({ Bucket: minio.bucket, Key, Body: `${sealed.slice(0, -4)}AAAA` }));
      await expect(storage.listStaged(caseId)).rejects.toThrow();
      expect(reads).toEqual([Key]);

      // Destroyed, a file's description leaves the storage's memory too (a file's name can name a student).
      await storage.removeStaged(caseId, staged[1]!.fileId);
      await storage.destroyStaged(caseId);
      const held = (storage as unknown as { descriptions: Map<string, unknown> }).descriptions;
      expect([...held.keys()].filter((key) => key.includes(`/cases/${caseId}/`))).toEqual([]);
    } finally {
      (storage as unknown as { client: S3Client }).client.middlewareStack.remove('count-reads');
    }
  });

  describe('when the storage is away', () => {
    const unavailable = async (endpoint: string) => {
      const away = new S3CaseFileStorage(
        parseStorageUrl(`s3://${minio.bucket}?endpoint=${endpoint}&forcePathStyle=true`, {
          AWS_ACCESS_KEY_ID: minio.accessKey,
          AWS_SECRET_ACCESS_KEY: minio.secretKey,
        }),
        keyring,
      );
      try {
        const failures = await Promise.all(
          [
            away.listStaged('Case1'),
            away.stageFile('Case1', { category: 'electronic', name: 'a.txt' }, Readable.from(['hello\n'])),
            away.readStatement('st-1'),
            digest(() => away.openStaged('Case1', 'file1')),
          ].map((attempt: Promise<unknown>) =>
            attempt.then(
              () => undefined,
              (e: unknown) => e,
            ),
          ),
        );
        for (const err of failures) {
          expect(err).toBeInstanceOf(StorageUnavailableError);
          expect((err as Error).message).toContain(endpoint);
          expect((err as Error).message).toContain(`"${minio.bucket}"`);
          expect((err as Error).message).not.toContain(minio.secretKey);
        }
      } finally {
        away.close();
      }
    };

    it('says the storage at the endpoint is unavailable when nothing listens there', async () => {
      await unavailable(`http://127.0.0.1:${await freePort()}`);
    });

    it('says the same when the storage answers 503', async () => {
      const server = http.createServer((request, response) => {
        request.resume();
        response
          .writeHead(503, { 'Content-Type': 'application/xml' })
          .end('<Error><Code>ServiceUnavailable</Code><Message>down for maintenance</Message></Error>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        await unavailable(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      } finally {
        server.close();
      }
    });
  });
});
