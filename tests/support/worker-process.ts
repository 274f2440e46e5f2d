// The worker as operators run it (`node --import tsx worker/main.ts`), in a process of its own that a test can
// SIGKILL: nothing in it gets a chance to clean up, as when a machine loses power.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CaseHarness } from './case-harness';

export class WorkerProcess {
  private output = '';
  private exited: Promise<void>;
  /** Resolves once the worker polls its task queue. */
  readonly ready: Promise<void>;

  private constructor(readonly process: ChildProcess) {
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      const look = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString()).slice(-8000);
        if (this.output.includes('[worker] polling')) resolve();
      };
      process.stdout!.on('data', look);
      process.stderr!.on('data', look);
      process.once('exit', (code, signal) =>
        reject(new Error(`the worker process exited (${code ?? signal}) before polling:\n${this.output}`)),
      );
    });
    this.ready.catch(() => undefined); // a killed worker need not have become ready
  }

  static start(h: CaseHarness, temporalAddress: string): WorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../worker/main.ts')], {
      env: {
        ...process.env,
        DATA_DIR: h.dataDir,
        TEMPORAL_ADDRESS: temporalAddress,
        TASK_QUEUE: h.taskQueue,
        SMTP_URL: h.config.smtpUrl!,
        ADMIN_EMAIL: h.config.adminEmail!,
        PUBLIC_URL: h.config.publicUrl,
        DISTRICT_NAME: h.config.districtName,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child);
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.process.kill('SIGKILL');
    await this.exited;
  }

  lastOutput(): string {
    return this.output;
  }
}
