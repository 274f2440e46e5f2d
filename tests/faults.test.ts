// Faults an operator of 500 districts will meet (issue 6): workers killed mid-package, the Temporal server
// restarted, the mail server down, a full disk, uploads cut off. Each must leave every case whole.
// The tests run concurrently: most of their time is spent waiting on timeouts and back-offs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, inject, it } from 'vitest';
import { CaseService, workflowIdOf } from '../client/case-service';
import { DispositionError } from '../domain/errors';
import { writeReturnPackage } from '../infra/package/return-package';
import * as messages from '../workflows/messages';
import { freePort, startDevServer, type DevServer } from '../scripts/dev-server';
import { CaseHarness, quietRuntime } from './support/case-harness';
import { fillableDisk } from './support/fillable-disk';
import { caseInput } from './support/fixtures';
import { HttpHarness } from './support/http-harness';
import { WorkerProcess } from './support/worker-process';

// Activities fail here on purpose, again and again: only errors are worth printing.
quietRuntime('ERROR');

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACK = { contactName: 'Dana', contactEmail: 'privacy@acme-learning.example' };
const token = (link: string) => link.split('/v/')[1]!;

/** A case of `h` acknowledged and waiting for the return, with its return link. */
async function caseAwaitingReturn(h: CaseHarness, contractId?: string): Promise<{ caseId: string; link: string }> {
  const caseId = await h.startCase(caseInput(contractId ? { contract: { id: contractId } } : {}));
  await h.vendorAct((await h.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, ACK);
  return { caseId, link: (await h.vendorMail(caseId, 'return')).link };
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The ZIP SHA-256 the staged files give when packaged in one go, with no crash anywhere. */
async function referenceZipSha256(h: CaseHarness, caseId: string): Promise<{ sha256: string; fileIds: string[] }> {
  const staged = await h.storage.listStaged(caseId);
  const hash = crypto.createHash('sha256');
  const built = await writeReturnPackage(
    staged.map((f) => ({ ...f, open: () => h.storage.openStaged(caseId, f.fileId) })),
    new Writable({
      write(chunk, _e, cb) {
        hash.update(chunk);
        cb();
      },
    }),
    { caseId, round: 1 },
  );
  const sha256 = hash.digest('hex');
  if (built.zipSha256 !== sha256)
    throw new Error(`the reference package reports ${built.zipSha256} but its bytes hash to ${sha256}`);
  return { sha256, fileIds: built.manifest.files.map((f) => f.fileId) };
}

/** A CSV of `rows` data rows from a seeded generator (compressible, with records to count). */
function csv(rows: number, random: () => number): Buffer {
  const lines = ['student_id,last_name,first_name,grade,score'];
  for (let i = 0; i < rows; i += 1)
    lines.push(
      `${100000 + i},Name${Math.floor(random() * 1e6)},Given${Math.floor(random() * 1e4)},${1 + Math.floor(random() * 12)},${(random() * 100).toFixed(2)}`,
    );
  return Buffer.from(`${lines.join('\n')}\n`);
}

describe.concurrent('faults', () => {
  it('a worker SIGKILLed at random points during packaging, 10 times in a row: every case completes with the ZIP of a crash-free run', async ({
    expect,
  }) => {
    const random = seeded(6);
    const h = await CaseHarness.start({ noWorker: true });
    cleanups.push(() => h.close());
    const address = inject('temporalAddress');
    let worker = WorkerProcess.start(h, address);
    cleanups.push(() => worker.kill());
    await worker.ready;

    // Cases ready to submit: two incompressible scans and a CSV each, ~50 MiB, a few seconds of packaging.
    // One joins before each kill, so that no case collects many kills: each retry waits out the heartbeat
    // timeout (10 s) plus a back-off that doubles per attempt, and a case killed at every turn would spend
    // minutes in back-off. Two spares stand in for cases whose packaging finishes before its kill point.
    const SCAN = 24 * 1024 * 1024;
    const cases = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { caseId, link } = await caseAwaitingReturn(h, `CT-KILL-${i}`);
        await h.stage(caseId, 'electronic', 'scan-a.bin', crypto.randomBytes(SCAN));
        await h.stage(caseId, 'electronic', 'scan-b.bin', crypto.randomBytes(SCAN));
        await h.stage(caseId, 'permanent', 'students.csv', csv(20_000, random));
        return { caseId, link, files: await h.stagedRefs(caseId) };
      }),
    );
    const packageBytes = cases[0]!.files.reduce((sum, f) => sum + f.bytes, 0);

    /** The partial package files the current worker is writing right now, with their sizes. */
    const inFlight = (pid: number): { caseId: string; bytes: number }[] =>
      cases.flatMap(({ caseId }) => {
        const dir = path.join(h.dataDir, 'packages', caseId);
        if (!fs.existsSync(dir)) return [];
        return fs
          .readdirSync(dir)
          .filter((name) => name.includes(`.${pid}.`) && name.endsWith('.part'))
          .flatMap((name) => {
            try {
              return [{ caseId, bytes: fs.statSync(path.join(dir, name)).size }];
            } catch {
              return []; // committed or aborted between readdir and stat
            }
          });
      });
    const packaging = async () =>
      (
        await Promise.all(
          cases.map(async (c) => ((await h.records.getCase(c.caseId))?.status === 'packaging' ? c : undefined)),
        )
      ).filter((c) => c !== undefined);

    let submitted = 0;
    const submitNext = async (): Promise<void> => {
      const next = cases[submitted];
      if (!next)
        throw new Error(
          'every prepared case finished packaging before a kill point came: packaging got faster, stage bigger files',
        );
      submitted += 1;
      // As the page tells a person: a 503 "try again shortly" (the update waited on a write the killed worker
      // held) is tried again; the update id is the same, so the return is submitted once.
      for (let attempt = 1; ; attempt += 1) {
        try {
          await h.vendorAct(next.link, messages.submitReturn, { files: next.files });
          return;
        } catch (err) {
          if (!(err instanceof DispositionError && err.code === 'temporal_unavailable') || attempt >= 5) throw err;
        }
      }
    };

    const kills: { at: number; caseIds: string[] }[] = [];
    while (kills.length < 10) {
      if (submitted < 10 || (await packaging()).length === 0) await submitNext();
      // A random point: when a package being written by this worker reaches a random share of its size.
      const threshold = Math.floor(packageBytes * (0.05 + 0.6 * random()));
      const deadline = Date.now() + 60_000;
      let victims: string[] = [];
      while (victims.length === 0) {
        if (Date.now() > deadline)
          throw new Error(
            `no packaging under way on worker ${worker.pid} within 60 s (kill ${kills.length + 1}); its output:\n${worker.lastOutput()}`,
          );
        if ((await packaging()).length === 0) await submitNext();
        victims = inFlight(worker.pid)
          .filter((p) => p.bytes >= threshold)
          .map((p) => p.caseId);
        if (victims.length === 0) await sleep(20);
      }
      const writing = inFlight(worker.pid).map((p) => p.caseId); // every attempt the kill interrupts
      await worker.kill();
      kills.push({ at: Date.now(), caseIds: writing });
      worker = WorkerProcess.start(h, address); // at once: its start overlaps the heartbeat timeout
    }

    const involved = cases.slice(0, submitted);
    for (const c of involved) await h.waitForStatus(c.caseId, 'awaiting_review', 150_000);
    expect(kills).toHaveLength(10);
    expect(kills.every((k) => k.caseIds.length > 0)).toBe(true);

    for (const c of involved) {
      const record = (await h.records.getCase(c.caseId))!;
      const round = record.returnPackages[0]!;
      const reference = await referenceZipSha256(h, c.caseId);
      // The ZIP on record, and the bytes stored, are those of a run without any crash.
      expect(round.zipSha256).toBe(reference.sha256);
      expect(await sha256Of(h.storage.openPackage(c.caseId, round.packageId!))).toBe(reference.sha256);
      // Every submitted file is in it once, none lost, none twice; staging still holds exactly them.
      const submittedIds = c.files.map((f) => f.fileId).sort();
      expect([...reference.fileIds].sort()).toEqual(submittedIds);
      expect(record.state.submittedFiles!.map((f) => f.fileId).sort()).toEqual(submittedIds);
      expect(round.files).toBe(c.files.length);
      expect((await h.storage.listStaged(c.caseId)).map((f) => f.fileId).sort()).toEqual(submittedIds);
      // No partial package left behind by the dead workers.
      expect(fs.readdirSync(path.join(h.dataDir, 'packages', c.caseId)).sort()).toEqual([
        `${round.packageId}.json`,
        `${round.packageId}.zip.enc`,
      ]);
    }
    const attempts = await Promise.all(
      involved.map(async (c) => {
        const history = await h.client.workflow.getHandle(workflowIdOf(c.caseId)).fetchHistory();
        return Math.max(...(history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
      }),
    );
    const killedCases = new Set(kills.flatMap((k) => k.caseIds));
    expect(killedCases.size).toBeGreaterThanOrEqual(2);
    for (const [i, c] of involved.entries())
      if (killedCases.has(c.caseId)) expect(attempts[i]).toBeGreaterThanOrEqual(2);
    console.log(
      `[faults] 10 SIGKILLs during packaging over ${involved.length} cases; packaging attempts per case: ${attempts.join(', ')}`,
    );
  }, 300_000); // ten kills, each waiting out a 10 s heartbeat timeout, beside the other drills of this file

  it('the Temporal server stopped and restarted on the same database mid-case: worker and client reconnect, the case goes on', async ({
    expect,
  }) => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-restart-'));
    const dbFile = path.join(scratch, 'temporal.db');
    const port = await freePort();
    const uiPort = await freePort();
    let server: DevServer = await startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort });
    cleanups.push(async () => {
      await server.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    });
    const h = await CaseHarness.start({ temporalAddress: server.address });
    cleanups.push(() => h.close());
    // A service that gives up after 3 s, as the HTTP server answers 503 rather than hang.
    const impatient = new CaseService(h.client, h.records, h.keyring, { taskQueue: h.taskQueue }, 3_000);

    const caseId = await h.startCase();
    const { link } = await h.vendorMail(caseId, 'acknowledge');
    // Stopped while the case waits on its vendor, as almost every case is at any moment. (A completion lost
    // while the server is down, say of the notice's mail activity, is only retried after that activity's
    // start-to-close timeout, two minutes for mail: the case still resumes, later.)
    const handle = h.client.workflow.getHandle(workflowIdOf(caseId));
    for (const deadline = Date.now() + 30_000; ;) {
      const { raw } = await handle.describe();
      const recorded = (await h.records.getCase(caseId))?.timeline.some((e) => e.type === 'mail_sent');
      if (recorded && !raw.pendingActivities?.length && !raw.pendingWorkflowTask) break;
      if (Date.now() > deadline) throw new Error('the case did not come to rest waiting on its vendor within 30 s');
      await sleep(100);
    }

    await server.stop();
    const down = Date.now();
    const refused = await impatient.vendorActionByLink(link, messages.acknowledgeNotice, ACK).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DispositionError);
    expect((refused as DispositionError).code).toBe('temporal_unavailable');
    await sleep(Math.max(0, 5_000 - (Date.now() - down))); // down a few seconds: pollers back off and retry
    expect(h.worker!.getState()).toBe('RUNNING');

    server = await startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort });
    // A vendor who saw "try again shortly" tries again; the first answers may come while connections heal.
    let answer;
    for (const deadline = Date.now() + 60_000; !answer;) {
      try {
        answer = await impatient.vendorActionByLink(link, messages.acknowledgeNotice, ACK);
      } catch (err) {
        if (!(err instanceof DispositionError) || err.code !== 'temporal_unavailable' || Date.now() > deadline)
          throw err;
        await sleep(500);
      }
    }
    expect(answer.status).toBe('awaiting_return');
    // The worker, on the same history, carries on: the next notice, then packaging.
    const returnLink = (await h.vendorMail(caseId, 'return')).link;
    await h.stage(caseId, 'permanent', 'students.csv', 'id,name\n1,Ana\n2,Ben\n3,Chen\n');
    await h.vendorAct(returnLink, messages.submitReturn, { files: await h.stagedRefs(caseId) });
    const record = await h.waitForStatus(caseId, 'awaiting_review', 60_000);
    expect(record.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['case_started', 'notice_acknowledged', 'return_submitted', 'package_built']),
    );
  }, 120_000);

  it('the mail server refuses connections for a minute: every notice goes out once it is back, each exactly once', async ({
    expect,
  }) => {
    const h = await CaseHarness.start();
    cleanups.push(() => h.close());
    // First 30 s it answers 421 (a mail server that is up but refusing), then 30 s nothing listens at all.
    h.smtp.refusing = true;
    const outage = Date.now();
    const caseIds = await Promise.all(
      [0, 1, 2].map((i) => h.startCase(caseInput({ contract: { id: `CT-MAIL-${i}` } }))),
    );
    const attempts = async (caseId: string) => {
      const description = await h.client.workflow.getHandle(workflowIdOf(caseId)).describe();
      return Math.max(0, ...(description.raw.pendingActivities ?? []).map((a) => a.attempt ?? 0));
    };
    await h.waitFor('the first sends to fail', () => Date.now() - outage > 25_000, 40_000);
    for (const caseId of caseIds) expect(await attempts(caseId)).toBeGreaterThanOrEqual(3);
    const port = h.smtp.port;
    await h.smtp.stop();
    h.smtp.refusing = false;
    await sleep(Math.max(0, 60_000 - (Date.now() - outage)));
    expect(h.smtp.mails).toHaveLength(0);
    for (const caseId of caseIds) expect(await attempts(caseId)).toBeGreaterThanOrEqual(5);
    await h.smtp.start(port);

    // Retries back off to at most a minute, so every notice is out within about a minute of the return.
    const notices = await Promise.all(
      caseIds.map((caseId) =>
        h.smtp.waitFor((m) => m.headers.get('x-disposition-case') === caseId, 90_000, `the notice of case ${caseId}`),
      ),
    );
    const back = Date.now() - outage - 60_000;
    await sleep(3_000); // anything sent twice would arrive by now
    for (const mail of notices) expect(h.smtp.mails.filter((m) => m.messageId === mail.messageId)).toHaveLength(1);
    expect(h.smtp.mails).toHaveLength(caseIds.length);
    for (const caseId of caseIds) {
      expect((await h.records.getCase(caseId))!.timeline.filter((e) => e.type === 'mail_sent')).toHaveLength(1);
    }
    console.log(
      `[faults] mail server back after 60 s; all ${caseIds.length} notices delivered ${(back / 1000).toFixed(1)} s later`,
    );
  }, 180_000);

  it('the disk fills during an upload: a clear error, the staged files intact, and the upload goes through once space is freed', async ({
    expect,
  }) => {
    const disk = await fillableDisk();
    cleanups.push(() => disk.release());
    const web = await HttpHarness.start({ dataDir: disk.dataDir, ...(disk.storage ? { storage: disk.storage } : {}) });
    cleanups.push(() => web.close());
    const h = web.cases;
    const { caseId, link } = await caseAwaitingReturn(h);
    const upload = (name: string, content: Buffer) => {
      const form = new FormData();
      form.append('category', 'electronic');
      form.append('file', new Blob([content], { type: 'application/octet-stream' }), name);
      return fetch(web.url(`/api/vendor/${token(link)}/files`), { method: 'POST', body: form });
    };
    const before = [crypto.randomBytes(200_000), crypto.randomBytes(300_000)];
    for (const [i, content] of before.entries()) expect((await upload(`before-${i}.bin`, content)).status).toBe(201);
    const stagedBefore = await h.storage.listStaged(caseId);

    const big = crypto.randomBytes(6 * 1024 * 1024);
    disk.fill();
    const refused = await upload('scan.bin', big);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(refused.status).toBe(507);
    expect(body.error.code).toBe('storage_full');
    expect(body.error.message).toMatch(/storage is full/);
    expect(body.error.message).toMatch(/staged before it are safe/);
    // The rest of the refused body is read and dropped: its connection ends instead of stalling on a timeout.
    const openConnections = () =>
      new Promise<number>((resolve) => web.app.server.getConnections((_err, count) => resolve(count)));
    for (const deadline = Date.now() + 10_000; ;) {
      web.app.server.closeIdleConnections();
      if ((await openConnections()) === 0) break;
      if (Date.now() > deadline) throw new Error("the refused upload's connection is still open 10 s after its answer");
      await sleep(100);
    }

    // What was staged before is whole, and nothing of the refused file is left.
    expect(await h.storage.listStaged(caseId)).toEqual(stagedBefore);
    for (const [i, file] of stagedBefore.entries())
      expect(await sha256Of(h.storage.openStaged(caseId, file.fileId))).toBe(
        crypto.createHash('sha256').update(before[i]!).digest('hex'),
      );
    expect(fs.readdirSync(path.join(disk.dataDir, 'staging', caseId)).filter((f) => f.endsWith('.part'))).toEqual([]);
    const page = await fetch(web.url(`/api/vendor/${token(link)}`));
    expect(page.status).toBe(200);
    expect(((await page.json()) as { stagedFiles: unknown[] }).stagedFiles).toHaveLength(2);

    disk.free();
    const accepted = await upload('scan.bin', big);
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as { sha256: string }).sha256).toBe(
      crypto.createHash('sha256').update(big).digest('hex'),
    );
    expect(await h.storage.listStaged(caseId)).toHaveLength(3);
    console.log(`[faults] disk filled by ${disk.kind}`);
  }, 120_000);

  it('an upload connection dropped halfway leaves no partial file counted in the return', async ({ expect }) => {
    const web = await HttpHarness.start();
    cleanups.push(() => web.close());
    const h = web.cases;
    const { caseId, link } = await caseAwaitingReturn(h);
    const form = new FormData();
    form.append('category', 'permanent');
    form.append('file', new Blob(['id,name\n1,Ana\n2,Ben\n3,Chen\n'], { type: 'text/csv' }), 'students.csv');
    expect((await fetch(web.url(`/api/vendor/${token(link)}/files`), { method: 'POST', body: form })).status).toBe(201);

    // Half a multipart body over a raw socket, then the connection is gone.
    const boundary = `----fault${crypto.randomBytes(8).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nelectronic\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const content = crypto.randomBytes(8 * 1024 * 1024);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const { port } = new URL(web.baseUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/vendor/${token(link)}/files HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        `Content-Length: ${head.length + content.length + tail.length}\r\n\r\n`,
    );
    socket.write(head);
    socket.write(content.subarray(0, content.length / 2));
    const stagingDir = path.join(h.dataDir, 'staging', caseId);
    const parts = () => fs.readdirSync(stagingDir).filter((f) => f.endsWith('.part'));
    await h.waitFor(
      'the upload to be half staged',
      () => parts().some((f) => fs.statSync(path.join(stagingDir, f)).size > 1024 * 1024),
      20_000,
    );
    socket.destroy();

    await h.waitFor('the partial upload to be cleared away', () => parts().length === 0, 10_000);
    const staged = await h.storage.listStaged(caseId);
    expect(staged.map((f) => f.name)).toEqual(['students.csv']);
    const page = (await (await fetch(web.url(`/api/vendor/${token(link)}`))).json()) as {
      stagedFiles: { name: string }[];
    };
    expect(page.stagedFiles.map((f) => f.name)).toEqual(['students.csv']);

    const submit = await fetch(web.url(`/api/vendor/${token(link)}/submit-return`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(submit.status).toBe(202);
    const record = await h.waitForStatus(caseId, 'awaiting_review', 60_000);
    expect(record.returnPackages[0]!.files).toBe(1);
    expect(record.state.submittedFiles!.map((f) => f.name)).toEqual(['students.csv']);
    expect(await sha256Of(h.storage.openPackage(caseId, record.returnPackages[0]!.packageId!))).toBe(
      record.returnPackages[0]!.zipSha256,
    );
  }, 120_000);
});
