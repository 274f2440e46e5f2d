// The packaging activity's retries (7400.1 III.A): a retry that finds a package stored by an attempt that never
// completed either agrees with it byte for byte or, when the packaging code changed in between (an upgrade),
// replaces it, since nobody was told the stored hash. Either way the case goes on.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBuildReturnPackage, type BuiltReturnPackage } from '../activities/build-return-package';
import type { StagedFileRef } from '../domain/case-state';
import { Keyring } from '../infra/keys/keys';
import { FsCaseFileStorage } from '../infra/storage/fs-case-file-storage';

const CASE = 'CaseRetry01';
let dir: string;
let storage: FsCaseFileStorage;
let files: StagedFileRef[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-build-'));
  storage = new FsCaseFileStorage(path.join(dir, 'data'), Keyring.open(path.join(dir, 'keys')));
  files = [];
  for (const [name, content] of [
    ['roster.csv', 'id,name\n1,Ana Lima\n2,Ben Okafor\n'],
    ['scan.bin', crypto.randomBytes(100_000)],
  ] as const) {
    const staged = await storage.stageFile(
      CASE,
      { category: 'electronic', name },
      Readable.from([Buffer.from(content)]),
    );
    files.push({
      fileId: staged.fileId,
      category: staged.category,
      name: staged.name,
      bytes: staged.bytes,
      sha256: staged.sha256,
    });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const build = (): Promise<BuiltReturnPackage> =>
  new MockActivityEnvironment().run(makeBuildReturnPackage({ storage }), { caseId: CASE, round: 1, files });

describe('buildReturnPackage retried', () => {
  it('rebuilds the same bytes over a package an earlier attempt stored, and counts records', async () => {
    const first = await build();
    const again = await build();
    expect(again.zipSha256).toBe(first.zipSha256);
    expect((await storage.getPackage(CASE, 'return-1'))?.zipSha256).toBe(first.zipSha256);
    expect(again.files.find((f) => f.name === 'roster.csv')?.records).toBe(2);
  });

  it('replaces a stored package that older packaging code wrote, instead of failing the case forever', async () => {
    const current = await build();
    // What an earlier version left: the same package id, other bytes, a hash nobody was told (its description
    // written in the clear, as versions before sealing did).
    const infoFile = findFile(path.join(dir, 'data'), 'return-1.json');
    fs.writeFileSync(
      infoFile,
      JSON.stringify({ ...(await storage.getPackage(CASE, 'return-1')), zipSha256: 'a'.repeat(64) }),
    );
    expect((await storage.getPackage(CASE, 'return-1'))?.zipSha256).toBe('a'.repeat(64));

    const rebuilt = await build();
    expect(rebuilt.zipSha256).toBe(current.zipSha256);
    expect((await storage.getPackage(CASE, 'return-1'))?.zipSha256).toBe(current.zipSha256);
  });
});

function findFile(root: string, name: string): string {
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath, entry.name);
  }
  throw new Error(`${name} not found under ${root}`);
}
