// Case files on the local disk under DATA_DIR: staging/, packages/, statements/. Everything encrypted at rest.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from '../keys/encryption-at-rest';
import { FieldSeal } from '../keys/field-seal';
import type { Keyring } from '../keys/keys';
import { checkId, prepareStaging } from './staging-streams';
import {
  isStorageFull,
  StagedFileNotFoundError,
  StorageFullError,
  type CaseFileStorage,
  type PackageInfo,
  type PackageWriter,
  type StagedFile,
} from './case-file-storage';

/** How the storage writes file contents; another implementation can stand in (one that runs out of space). */
export interface FileWriter {
  createWriteStream(file: string, options: { mode: number }): Writable;
}
const nodeFileWriter: FileWriter = { createWriteStream: (file, options) => fs.createWriteStream(file, options) };

export class FsCaseFileStorage implements CaseFileStorage {
  private readonly seal: FieldSeal;

  constructor(
    private readonly root: string,
    private readonly keyring: Keyring,
    private readonly files: FileWriter = nodeFileWriter,
  ) {
    this.seal = new FieldSeal(keyring);
  }

  /** A staged file's or a package's description (its name, its category) is sealed like the record's (field-seal.ts). */
  private async writeSidecar(file: string, value: unknown): Promise<void> {
    await fsp.writeFile(file, this.seal.seal(JSON.stringify(value), `storage|${path.relative(this.root, file)}`), {
      mode: 0o600,
    });
  }

  private async readSidecar<T>(file: string): Promise<T> {
    return JSON.parse(
      this.seal.open(await fsp.readFile(file, 'utf8'), `storage|${path.relative(this.root, file)}`),
    ) as T;
  }

  async checkReachable(): Promise<void> {
    try {
      await fsp.mkdir(this.root, { recursive: true });
      await fsp.access(this.root, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`the data folder ${this.root} cannot be written: ${(err as Error).message}`);
    }
  }

  private stagingDir(caseId: string): string {
    return path.join(this.root, 'staging', checkId('case', caseId));
  }
  private packagesDir(caseId: string): string {
    return path.join(this.root, 'packages', checkId('case', caseId));
  }

  async stageFile(
    caseId: string,
    file: { category: string; name: string },
    source: Readable,
    options: { maxBytes?: number; declaredType?: string } = {},
  ): Promise<StagedFile> {
    const dir = this.stagingDir(caseId);
    await fsp.mkdir(dir, { recursive: true });
    const staging = prepareStaging(caseId, file, this.keyring, options);
    const fileId = staging.fileId;
    const partial = path.join(dir, `${fileId}.part`);
    try {
      await pipeline(
        source,
        staging.screen,
        staging.inspect,
        staging.encrypt,
        this.files.createWriteStream(partial, { mode: 0o600 }),
      );
      const staged = staging.record();
      await this.writeSidecar(path.join(dir, `${fileId}.json`), staged);
      // Only a complete file becomes visible: an upload dropped halfway leaves nothing counted.
      await fsp.rename(partial, path.join(dir, `${fileId}.enc`));
      return staged;
    } catch (err) {
      await fsp.rm(partial, { force: true });
      await fsp.rm(path.join(dir, `${fileId}.json`), { force: true });
      throw isStorageFull(err) ? new StorageFullError(err as Error) : err;
    }
  }

  async listStaged(caseId: string): Promise<StagedFile[]> {
    const dir = this.stagingDir(caseId);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const present = new Set(names);
    const files: StagedFile[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || !present.has(name.replace(/\.json$/, '.enc'))) continue;
      files.push(await this.readSidecar<StagedFile>(path.join(dir, name)));
    }
    return files.sort((a, b) => a.stagedAt - b.stagedAt || a.fileId.localeCompare(b.fileId));
  }

  async getStaged(caseId: string, fileId: string): Promise<StagedFile | undefined> {
    const dir = this.stagingDir(caseId);
    checkId('file', fileId);
    if (!fs.existsSync(path.join(dir, `${fileId}.enc`))) return undefined;
    try {
      return await this.readSidecar<StagedFile>(path.join(dir, `${fileId}.json`));
    } catch {
      return undefined;
    }
  }

  openStaged(caseId: string, fileId: string): Readable {
    const file = path.join(this.stagingDir(caseId), `${checkId('file', fileId)}.enc`);
    if (!fs.existsSync(file))
      throw new StagedFileNotFoundError(`staged file ${fileId} is not in the case's staging area`);
    return this.openDecrypted(file);
  }

  /** The plaintext of an encrypted file; a read error (the file removed meanwhile, say) ends the stream with it. */
  private openDecrypted(file: string): Readable {
    const decrypt = createDecryptStream(this.keyring);
    const source = fs.createReadStream(file);
    source.on('error', (err) => decrypt.destroy(err));
    return source.pipe(decrypt);
  }

  async removeStaged(caseId: string, fileId: string): Promise<boolean> {
    const dir = this.stagingDir(caseId);
    checkId('file', fileId);
    const existed = fs.existsSync(path.join(dir, `${fileId}.enc`));
    await fsp.rm(path.join(dir, `${fileId}.enc`), { force: true });
    await fsp.rm(path.join(dir, `${fileId}.json`), { force: true });
    return existed;
  }

  async destroyStaged(caseId: string): Promise<number> {
    const files = await this.listStaged(caseId);
    await fsp.rm(this.stagingDir(caseId), { recursive: true, force: true });
    return files.length;
  }

  async createPackageWriter(caseId: string, packageId: string): Promise<PackageWriter> {
    const dir = this.packagesDir(caseId);
    checkId('package', packageId);
    await fsp.mkdir(dir, { recursive: true });
    // What an attempt on a worker that died left behind; a new attempt starts over.
    for (const name of await fsp.readdir(dir)) {
      if (name.startsWith(`${packageId}.zip.enc.`) && name.endsWith('.part'))
        await fsp.rm(path.join(dir, name), { force: true });
    }
    const partial = path.join(dir, `${packageId}.zip.enc.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`);
    const encrypt = createEncryptStream(this.keyring);
    const done = pipeline(encrypt, this.files.createWriteStream(partial, { mode: 0o600 }));
    done.catch(() => undefined); // observed in commit/abort
    return {
      stream: encrypt,
      commit: async (info) => {
        await done;
        const record: PackageInfo = { caseId, packageId, ...info, createdAt: Date.now() };
        await this.writeSidecar(path.join(dir, `${packageId}.json`), record);
        await fsp.rename(partial, path.join(dir, `${packageId}.zip.enc`));
        return record;
      },
      abort: async () => {
        // With an error: destroyed bare once its input had ended, the pipeline into the file never settled.
        encrypt.destroy(new Error('the package was abandoned'));
        await done.catch(() => undefined);
        await fsp.rm(partial, { force: true });
      },
    };
  }

  async getPackage(caseId: string, packageId: string): Promise<PackageInfo | undefined> {
    const dir = this.packagesDir(caseId);
    checkId('package', packageId);
    if (!fs.existsSync(path.join(dir, `${packageId}.zip.enc`))) return undefined;
    return this.readSidecar<PackageInfo>(path.join(dir, `${packageId}.json`));
  }

  openPackage(caseId: string, packageId: string): Readable {
    const file = path.join(this.packagesDir(caseId), `${checkId('package', packageId)}.zip.enc`);
    if (!fs.existsSync(file)) throw new StagedFileNotFoundError(`package ${packageId} is not stored`);
    return this.openDecrypted(file);
  }

  async destroyPackage(caseId: string, packageId: string): Promise<boolean> {
    const dir = this.packagesDir(caseId);
    checkId('package', packageId);
    const existed = fs.existsSync(path.join(dir, `${packageId}.zip.enc`));
    await fsp.rm(path.join(dir, `${packageId}.zip.enc`), { force: true });
    await fsp.rm(path.join(dir, `${packageId}.json`), { force: true });
    return existed;
  }

  async saveStatement(statementId: string, pdf: Buffer): Promise<void> {
    const dir = path.join(this.root, 'statements');
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${checkId('statement', statementId)}.pdf.enc`);
    const partial = `${file}.${process.pid}.part`;
    await pipeline(
      Readable.from([pdf]),
      createEncryptStream(this.keyring),
      this.files.createWriteStream(partial, { mode: 0o600 }),
    );
    await fsp.rename(partial, file);
  }

  async readStatement(statementId: string): Promise<Buffer | undefined> {
    const file = path.join(this.root, 'statements', `${checkId('statement', statementId)}.pdf.enc`);
    if (!fs.existsSync(file)) return undefined;
    const chunks: Buffer[] = [];
    await pipeline(
      fs.createReadStream(file),
      createDecryptStream(this.keyring),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      },
    );
    return Buffer.concat(chunks);
  }
}
