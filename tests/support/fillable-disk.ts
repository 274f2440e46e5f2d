// A DATA_DIR that a test can fill up and free again, to see what a full disk does to an upload.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Keyring } from '../../infra/keys/keys';
import { FsCaseFileStorage, type FileWriter } from '../../infra/storage/fs-case-file-storage';

export interface FillableDisk {
  kind: string;
  dataDir: string;
  /** The storage to use, when the disk is simulated rather than mounted. */
  storage?: (dataDir: string, keyring: Keyring) => FsCaseFileStorage;
  fill(): void;
  free(): void;
  release(): void;
}

/**
 * A DATA_DIR whose disk can be filled and freed. Where the machine lets the test mount one (root), a small
 * tmpfs filled with a ballast file; elsewhere (or with FAULTS_DISK=injected), the storage handed a file writer
 * that answers ENOSPC.
 */
export async function fillableDisk(): Promise<FillableDisk> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-disk-'));
  const mountPoint = path.join(scratch, 'mnt');
  fs.mkdirSync(mountPoint);
  const mounted =
    process.env.FAULTS_DISK !== 'injected' &&
    process.getuid?.() === 0 &&
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mountPoint], { stdio: 'ignore' }).status ===
      0;
  if (mounted) {
    const dataDir = path.join(mountPoint, 'data');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const ballast = path.join(mountPoint, 'ballast');
    return {
      kind: 'a 24 MiB tmpfs DATA_DIR',
      dataDir,
      fill() {
        // Leave 1 MiB: the database still writes, a multi-MiB upload does not fit.
        const { bavail, bsize } = fs.statfsSync(mountPoint);
        fs.writeFileSync(ballast, Buffer.alloc(Math.max(0, bavail * bsize - 1024 * 1024)));
      },
      free: () => fs.rmSync(ballast, { force: true }),
      release() {
        spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
        fs.rmSync(scratch, { recursive: true, force: true });
      },
    };
  }
  // No mount here: writes through the storage fail with ENOSPC after 1 MiB while the disk is "full".
  let full = false;
  const writer: FileWriter = {
    createWriteStream(file, options) {
      const real = fs.createWriteStream(file, options);
      if (!full) return real;
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (written > 1024 * 1024)
            return callback(
              Object.assign(new Error(`ENOSPC: no space left on device, write`), {
                code: 'ENOSPC',
                errno: -28,
                syscall: 'write',
              }),
            );
          real.write(chunk, callback);
        },
        final(callback) {
          real.end(callback);
        },
        destroy(err, callback) {
          real.destroy();
          callback(err);
        },
      });
    },
  };
  const dataDir = path.join(scratch, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  return {
    kind: 'a file writer injected into the storage that answers ENOSPC',
    dataDir,
    storage: (dataDir, keyring) => new FsCaseFileStorage(dataDir, keyring, writer),
    fill: () => {
      full = true;
    },
    free: () => {
      full = false;
    },
    release: () => fs.rmSync(scratch, { recursive: true, force: true }),
  };
}
