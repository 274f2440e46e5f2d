// A termination case's whole world for a test: a real worker on the shared dev server, real SMTP, real
// SQLite and storage in a scratch DATA_DIR, and the same CaseService the HTTP server and CLI use.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActionResult, StagedFileRef } from '../../domain/case-state';
import type { CaseStatus, VendorTaskKind } from '../../domain/statuses';
import type { ActivityDeps } from '../../activities';
import { CaseService, type VendorUpdate } from '../../client/case-service';
import { loadConfig, type Config } from '../../infra/config';
import type { CaseRecordStore } from '../../infra/database/case-record-store';
import { openStores, type Stores } from '../../infra/database/open-stores';
import { openKeyring, type Keyring } from '../../infra/keys/keys';
import { verifyLinkToken, tokenFromLink } from '../../infra/keys/link-tokens';
import { createMailTransport, type MailTransport } from '../../infra/mail/mail-transport';
import { createDataConverter } from '../../infra/keys/payload-codec';
import { FsCaseFileStorage } from '../../infra/storage/fs-case-file-storage';
import { createCaseWorker, createWebhookWorker } from '../../worker/create-worker';
import { SqlWebhookStore } from '../../infra/database/webhook-store';
import { startWebhookDelivery } from '../../infra/webhooks/webhook-deliveries';
import { SqlBulkStore } from '../../infra/database/bulk-store';
import { SqlRosterStore } from '../../infra/database/roster-store';
import { startCaseWorkflow } from '../../infra/temporal/case-starts';
import type { CaseInput } from '../../domain/case-input';
import { caseInput } from './fixtures';
import { linkIn, SmtpReceiver, type ReceivedMail } from './smtp-receiver';

// Workers in tests speak only when something is wrong. A test file whose faults are the point (activities
// failing on purpose, over and over) calls this first with 'ERROR'; the runtime is one per process.
// A test that checks what the workers warn of passes `heard`: each warning goes there as well as to stderr.
let runtimeInstalled = false;
export function quietRuntime(level: 'WARN' | 'ERROR' = 'WARN', heard?: LogEntry[]): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const print = new DefaultLogger(level);
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      heard?.push(entry);
      print.log(entry.level, entry.message, entry.meta);
    }),
  });
}

export const ADMIN_EMAIL = 'records-admin@district.example';

export interface HarnessOptions {
  /** Wraps the real SMTP transport (a collaborator that fails, say). */
  transport?: (real: MailTransport) => MailTransport;
  /** Start no worker here (a test that runs its own worker process). */
  noWorker?: boolean;
  env?: Record<string, string>;
  /** More collaborators for the worker's activities (staff addresses, the access log). */
  deps?: Partial<ActivityDeps>;
  /** DATA_DIR to use (a small tmpfs, say) instead of a fresh folder under the system's temp dir. */
  dataDir?: string;
  /** Another Temporal server than the shared one (a test that stops and restarts its own). */
  temporalAddress?: string;
  /** The file storage, when a test hands it collaborators of its own (a file system that fills up). */
  storage?: (dataDir: string, keyring: Keyring) => FsCaseFileStorage;
}

export class CaseHarness {
  readonly taskQueue = `test-${crypto.randomBytes(4).toString('hex')}`;
  worker?: Worker;
  private running?: Promise<void>;
  private nativeConnection?: NativeConnection;

  private constructor(
    readonly dataDir: string,
    readonly config: Config,
    readonly keyring: Keyring,
    readonly stores: Stores,
    readonly storage: FsCaseFileStorage,
    readonly smtp: SmtpReceiver,
    readonly client: Client,
    readonly service: CaseService,
    private readonly options: HarnessOptions,
  ) {}

  get records(): CaseRecordStore {
    return this.stores.records;
  }

  static async start(options: HarnessOptions = {}): Promise<CaseHarness> {
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-case-'));
    const smtp = new SmtpReceiver();
    const smtpUrl = await smtp.start();
    const address = options.temporalAddress ?? inject('temporalAddress');
    const config = loadConfig({
      DATA_DIR: dataDir,
      SMTP_URL: smtpUrl,
      ADMIN_EMAIL,
      TEMPORAL_ADDRESS: address,
      PUBLIC_URL: 'http://localhost:3000',
      DISTRICT_NAME: 'Riverside Unified School District',
      REMINDER_MIN: '1s',
      LOG_LEVEL: 'silent',
      // The tests' webhook receivers listen on loopback; tests/hardening.test.ts checks the refusal without this.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      ...options.env,
    });
    const stores = await openStores(config);
    const keyring = await openKeyring(config, stores.database);
    await stores.bindKeyring(config, keyring);
    const { records } = stores;
    const storage = options.storage ? options.storage(dataDir, keyring) : new FsCaseFileStorage(dataDir, keyring);
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, dataConverter: createDataConverter(keyring) });
    const harness = new CaseHarness(
      dataDir,
      config,
      keyring,
      stores,
      storage,
      smtp,
      client,
      undefined as never,
      options,
    );
    (harness as { service: CaseService }).service = new CaseService(
      client,
      records,
      keyring,
      {
        taskQueue: harness.taskQueue,
        retentionMs: config.retentionMs,
        minReminderMs: config.minReminderMs,
        agreements: config.agreements,
      },
      20_000,
      harness.bulk,
      harness.rosters,
    );
    if (!options.noWorker) await harness.startWorker();
    return harness;
  }

  /** The webhook endpoints and deliveries, as the worker and the server see them. */
  get webhooks(): SqlWebhookStore {
    this.webhookStore ??= new SqlWebhookStore(this.stores.database, this.keyring);
    return this.webhookStore;
  }

  private webhookStore?: SqlWebhookStore;

  /** Bulk files and which case holds each contract. */
  get bulk(): SqlBulkStore {
    this.bulkStore ??= new SqlBulkStore(this.stores.database, this.stores.seal);
    return this.bulkStore;
  }

  private bulkStore?: SqlBulkStore;

  /** The rosters attached to this harness's cases (issue 28), as the worker reads them while packaging. */
  get rosters(): SqlRosterStore {
    return (this.rosterStore ??= new SqlRosterStore(this.stores.database, this.stores.seal));
  }

  private rosterStore?: SqlRosterStore;

  async startWorker(): Promise<void> {
    quietRuntime();
    this.nativeConnection = await NativeConnection.connect({
      address: this.options.temporalAddress ?? inject('temporalAddress'),
    });
    // The SMTP receiver, or (SMTP_URL set empty) the outbox under DATA_DIR, as the product chooses.
    const real = createMailTransport(this.config);
    const options = {
      connection: this.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      deps: {
        config: this.config,
        records: this.records,
        storage: this.storage,
        keyring: this.keyring,
        transport: this.options.transport ? this.options.transport(real) : real,
        rosters: this.rosters,
        webhooks: {
          store: this.webhooks,
          startDelivery: (deliveryId: string, run: number) =>
            startWebhookDelivery(this.client, this.taskQueue, deliveryId, run),
        },
        bulk: {
          store: this.bulk,
          startCase: (caseId: string, input: CaseInput, actor: string) =>
            startCaseWorkflow(
              this.client,
              { taskQueue: this.taskQueue, retentionMs: this.config.retentionMs },
              caseId,
              input,
              actor,
            ),
        },
        ...this.options.deps,
      },
    };
    this.worker = await createCaseWorker(options);
    this.deliveries = await createWebhookWorker(options);
    this.running = Promise.all([this.worker.run(), this.deliveries.run()]).then(() => undefined);
  }

  private deliveries?: Worker;

  async stopWorker(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    if (this.deliveries && this.deliveries.getState() === 'RUNNING') this.deliveries.shutdown();
    await this.running;
    this.deliveries = undefined;
    const connection = this.nativeConnection;
    this.nativeConnection = undefined;
    this.worker = undefined;
    await connection?.close();
  }

  async startCase(input: CaseInput = caseInput(), options: { historyBudget?: number } = {}): Promise<string> {
    const { caseId } = await this.service.startCase(input, 'test:admin', options);
    return caseId;
  }

  async waitFor<T>(
    what: string | (() => Promise<string>),
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  waitForStatus(caseId: string, status: CaseStatus, timeoutMs = 60_000) {
    return this.waitFor(
      async () => `case ${caseId} to be ${status} (it is ${(await this.records.getCase(caseId))?.status})`,
      async () => {
        const record = await this.records.getCase(caseId);
        return record?.status === status ? record : undefined;
      },
      timeoutMs,
    );
  }

  /** The message that carries the vendor's link for `task` (generation `gen` when given). */
  async vendorMail(
    caseId: string,
    task: VendorTaskKind,
    options: { gen?: number; kind?: string } = {},
  ): Promise<{ mail: ReceivedMail; link: string }> {
    const mail = await this.smtp.waitFor(
      (m) => {
        if (m.headers.get('x-disposition-case') !== caseId) return false;
        if (options.kind && m.headers.get('x-disposition-mail') !== options.kind) return false;
        try {
          const claims = verifyLinkToken(this.keyring, tokenFromLink(linkIn(m)), Date.now());
          return (
            claims.ok && claims.claims.task === task && (options.gen === undefined || claims.claims.gen === options.gen)
          );
        } catch {
          return false;
        }
      },
      30_000,
      `mail with a ${task} link for case ${caseId}`,
    );
    return { mail, link: linkIn(mail) };
  }

  /**
   * `disposition …` as a person runs it, against this harness's data and task queue. Not spawnSync: the worker that
   * takes its updates runs in this process, and must keep running meanwhile.
   */
  cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; out: string }> {
    const env = {
      ...process.env,
      DATA_DIR: this.dataDir,
      TEMPORAL_ADDRESS: this.options.temporalAddress ?? inject('temporalAddress'),
      TASK_QUEUE: this.taskQueue,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.resolve(__dirname, '../../bin/disposition.js'), ...args], { env });
      let stdout = '';
      let stderr = '';
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        out += d.toString();
      });
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr, out }));
    });
  }

  mailsOf(caseId: string, kind?: string): ReceivedMail[] {
    return this.smtp.mails.filter(
      (m) => m.headers.get('x-disposition-case') === caseId && (!kind || m.headers.get('x-disposition-mail') === kind),
    );
  }

  /** A vendor action through a link, as the HTTP server does it. */
  vendorAct(link: string, update: VendorUpdate, body: object): Promise<ActionResult> {
    return this.service.vendorActionByLink(link, update, body);
  }

  async stage(caseId: string, category: string, name: string, content: string | Buffer): Promise<StagedFileRef> {
    const staged = await this.storage.stageFile(caseId, { category, name }, Readable.from([Buffer.from(content)]));
    const { stagedAt: _stagedAt, caseId: _caseId, ...ref } = staged;
    return ref;
  }

  async stagedRefs(caseId: string): Promise<StagedFileRef[]> {
    return (await this.storage.listStaged(caseId)).map(({ stagedAt: _s, caseId: _c, ...ref }) => ref);
  }

  /**
   * Replays every workflow this harness's worker ran (cases, their children) on the same bundle, as a worker that
   * takes a case over does: a workflow whose commands would come in another order on replay fails the test file
   * here, whatever the test itself checked (workflows/termination-case.ts writes the record one write at a time
   * for this reason).
   */
  async replayHistories(): Promise<number> {
    const histories = this.client.workflow.list({ query: `TaskQueue = '${this.taskQueue}'` }).intoHistories();
    const options = {
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: createDataConverter(this.keyring),
    };
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (result.error) throw new Error(`workflow ${result.workflowId} does not replay: ${result.error.message}`);
      replayed += 1;
    }
    return replayed;
  }

  async close(): Promise<void> {
    try {
      await this.replayHistories();
    } finally {
      await this.stopWorker();
      await this.client.connection.close();
      await this.smtp.stop();
      this.keyring.close();
      await this.stores.close();
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}
