// `npm run bench:statement`: the final statement with a 10,000-file manifest appendix. Prints the render time
// against a baseline measured in the same run (the same statement without the appendix), and how long the
// event loop of the calling thread was blocked while it rendered; last, as issued: drawn on the renderer thread
// and signed inside the PDF (PAdES B-B), with its size (goal: under 1.5 MB with the CJK face's subset).
import { performance } from 'node:perf_hooks';
import crypto from 'node:crypto';
import { gatherStatement } from '../activities/generate-statement';
import { renderStatementPdf } from '../infra/statement/statement-pdf';
import { renderStatementOffThread } from '../infra/statement/statement-renderer';
import type { CaseState } from '../domain/case-state';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Keyring } from '../infra/keys/keys';
import { signatureRoom, signPdf } from '../infra/statement/pdf-signature';

function stateWith(files: number): CaseState {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const submitted = Array.from({ length: files }, (_, i) => ({
    fileId: `f${String(i).padStart(7, '0')}aaaa`,
    category: i % 2 ? 'electronic' : 'permanent',
    name: `student-records-${i}.csv`,
    bytes: 1000 + i,
    sha256: crypto.createHash('sha256').update(String(i)).digest('hex'),
    records: i % 50,
  }));
  return {
    caseId: 'bench0000001',
    input: {
      // A name in Japanese and one in Arabic: the statement embeds the CJK face's subset as issued statements do.
      contract: { id: 'CT-1', terminationDate: '2026-11-30' },
      vendor: { name: '東京学習株式会社 (شركة التعليم)', contactEmail: 'a@b.example' },
      service: { name: 'Reader' },
      disposition: {
        option: 'return_then_destroy',
        extent: 'complete',
        categories: [{ key: 'permanent' }, { key: 'electronic' }],
      },
    },
    status: 'generating_statement',
    createdAt: now,
    updatedAt: now,
    version: 1,
    createdBy: 'bench',
    tasks: [],
    submittedFiles: submitted,
    returnRounds: [
      {
        round: 1,
        submittedAt: now,
        files,
        bytes: 1,
        zipSha256: 'a'.repeat(64),
        categories: [],
        shortfalls: [],
        decision: { decision: 'accept', by: 'user:ada', at: now },
      },
    ],
    legalHold: [],
    timeline: [],
    settledUpdates: {},
  };
}

/** Runs `run`, and measures the longest time the event loop of this thread could not run a 2 ms timer. */
async function timed(label: string, run: () => Promise<Buffer>): Promise<number> {
  let last = performance.now();
  let blocked = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    blocked = Math.max(blocked, now - last - 2);
    last = now;
  }, 2);
  await new Promise((r) => setTimeout(r, 20));
  const start = performance.now();
  const pdf = await run();
  const ms = performance.now() - start;
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(ticker);
  console.log(
    `${label.padEnd(56)} ${ms.toFixed(0).padStart(6)} ms  ${(pdf.length / 1024).toFixed(0).padStart(6)} KiB  event loop blocked up to ${blocked.toFixed(0)} ms`,
  );
  return ms;
}

async function main(): Promise<void> {
  const config = { districtName: 'Riverside USD', publicUrl: 'https://disposition.example' };
  const small = gatherStatement(stateWith(0), 'bench-small', Date.now(), config);
  const large = gatherStatement(stateWith(10_000), 'bench-large', Date.now(), config);
  await renderStatementPdf(small); // warm up fonts and code
  const baseline = await timed('statement, no appendix (baseline)', () => renderStatementPdf(small));
  const inline = await timed('statement + 10,000-file appendix, this thread', () => renderStatementPdf(large));
  await renderStatementOffThread(small); // the renderer thread starts once per process
  const offThread = await timed('statement + 10,000-file appendix, worker thread', () =>
    renderStatementOffThread(large),
  );
  // As issued: drawn on the worker thread, then signed inside the PDF here (PAdES B-B, the keyring's ECDSA key).
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-keys-'));
  const keyring = Keyring.open(keysDir, { districtName: config.districtName });
  const signer = { ...keyring.currentCertificate(), chain: [] };
  const room = signatureRoom([signer.certificate], false);
  const signed = await timed('statement + 10,000-file appendix, worker thread, signed', async () =>
    signPdf(await renderStatementOffThread({ ...large, signature: { ...large.signature!, room } }), signer),
  );
  keyring.close();
  fs.rmSync(keysDir, { recursive: true, force: true });
  console.log(
    `ratio to baseline: ${(inline / baseline).toFixed(1)}x (this thread), ${(offThread / baseline).toFixed(1)}x (worker thread), ${(signed / baseline).toFixed(1)}x (worker thread, signed); goal: 10,000 files signed in <= 500 ms, under 1.5 MB`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
