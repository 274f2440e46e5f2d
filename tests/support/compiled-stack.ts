// `npm start` as a district runs it, compiled, in a child process with a data folder of its own, for the tests
// that watch it from outside (its listeners, its log, what it sends): its output as it comes, a wait on a
// condition that gives up with that output, and the `disposition` command with the same settings.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { freePort } from '../../scripts/dev-server';
import { signIn, type SignedIn } from './sign-in';

const ROOT = path.resolve(__dirname, '..', '..');

export class CompiledStack {
  private output_ = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly work: string,
    readonly env: NodeJS.ProcessEnv,
    readonly port: number,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.output_ += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output_ += d.toString()));
  }

  /** Starts it on the tests' Temporal dev server, on a task queue of its own, mail to DATA_DIR/outbox. */
  static async start(name: string, more: NodeJS.ProcessEnv = {}): Promise<CompiledStack> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `disposition-${name}-`));
    const port = await freePort();
    const env = {
      ...process.env,
      DATA_DIR: path.join(work, 'data'),
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: `${name}-${port}`,
      SMTP_URL: '',
      ADMIN_EMAIL: 'records@district.example',
      ...more,
    };
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'start'], { env, stdio: 'pipe' });
    const stack = new CompiledStack(child, work, env, port);
    await stack.until(
      'the stack coming up',
      async () => stack.output.includes('[server] listening') && stack.output.includes('[worker] polling'),
      120_000,
    );
    return stack;
  }

  /** Everything it printed so far. */
  get output(): string {
    return this.output_;
  }

  /** The JSON lines of its log (the server's and the worker's). */
  logEntries(): Record<string, unknown>[] {
    return this.output_
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** Signs in through the API: the session cookie and the CSRF token a staff request then sends. */
  signIn(username: string, password: string): Promise<SignedIn> {
    return signIn(this.url(''), username, password);
  }

  /** Waits for `probe` to answer something; gives up, with the output, when the time is out or the stack died. */
  async until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = await probe();
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`${what} did not happen:\n${this.output_}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** `disposition …` with the stack's settings. */
  cli(args: string[], stdin = ''): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const run = spawn(process.execPath, [path.join(ROOT, 'bin', 'disposition.js'), ...args], { env: this.env });
      let out = '';
      run.stdout.on('data', (d: Buffer) => (out += d.toString()));
      run.stderr.on('data', (d: Buffer) => (out += d.toString()));
      run.once('error', reject);
      run.once('close', (status) => resolve({ status, out }));
      run.stdin.end(stdin);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
