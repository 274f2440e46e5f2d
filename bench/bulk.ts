// npm run bench:bulk [-- --rows 500 --concurrency 8]
//
// Bulk start (issue 13, item 1): a file of `--rows` contracts uploaded once, against a baseline measured in the
// same run on the same stack: as many cases started one by one through `POST /api/cases`, `--concurrency` at a
// time (what a script of the district's would do without the bulk route). Both are timed to the moment every
// case is in the case record. While the file runs, the Temporal server's task queue backlog (workflow and
// activity tasks waiting for the worker) is sampled every 500 ms; the peak is printed.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { BULK_COLUMNS } from '../domain/bulk-csv';
import { openStores } from '../infra/database/open-stores';
import { caseInput } from '../tests/support/fixtures';
import { log, Stack } from './stack';

const GOAL_SECONDS = 120;

function fileOf(prefix: string, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) =>
    [
      `${prefix}-${i}`,
      `Tool ${i}`,
      '2026-06-30',
      'ndpa',
      `Vendor ${i % 97}`,
      `privacy@vendor${i % 97}.example`,
      '',
      `Service ${i}`,
      '',
      i % 3 ? 'return_then_destroy' : 'destroy_only',
      'permanent;electronic=100',
      i % 4 ? '' : 'Analytics cookie:cookie',
    ].join(','),
  );
  return `${BULK_COLUMNS.join(',')}\n${lines.join('\n')}\n`;
}

async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '8' } },
  });
  const rows = Number(values.rows);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows: a whole number, at least 1');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency: a whole number, at least 1');
  log(`bench:bulk: ${rows} rows; starting Temporal, the worker and the HTTP server…`);
  const stack = await Stack.start();
  const stores = await openStores({ dataDir: stack.dataDir });
  const recorded = async (prefix: string): Promise<number> =>
    Number(
      (await stores.database.get<{ n: number }>('SELECT COUNT(*) AS n FROM cases WHERE contract_id LIKE ?', [
        `${prefix}-%`,
      ]))!.n,
    );
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    const load = os.loadavg()[0]!;
    // Baseline: one by one through the API, each answered when its case is in the record.
    let start = performance.now();
    await pool(rows, concurrency, async (i) => {
      await stack.admin('POST', '/api/cases', caseInput({ contract: { id: `BASE-${i}` } }));
    });
    const baseline = (performance.now() - start) / 1000;
    log(`baseline: ${rows} cases through POST /api/cases in ${baseline.toFixed(1)} s`);

    // The file, uploaded once.
    const backlog = { workflow: 0, activity: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [kind, taskQueueType] of [
          ['workflow', 1],
          ['activity', 2],
        ] as const) {
          const answer = await client.workflowService
            .describeTaskQueue({
              namespace: 'default',
              taskQueue: { name: stack.env.TASK_QUEUE!, kind: 1 },
              taskQueueType,
              reportStats: true,
            })
            .catch(() => undefined);
          backlog[kind] = Math.max(backlog[kind], Number(answer?.stats?.approximateBacklogCount ?? 0));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    start = performance.now();
    const response = await fetch(stack.url('/api/cases/bulk'), {
      method: 'POST',
      headers: { cookie: stack.session.cookie, 'x-csrf-token': stack.session.csrfToken, 'content-type': 'text/csv' },
      body: fileOf('BULK', rows),
    });
    if (response.status !== 202) throw new Error(`POST /api/cases/bulk: ${response.status} ${await response.text()}`);
    const { bulkId } = (await response.json()) as { bulkId: string };
    const accepted = (performance.now() - start) / 1000;
    let settled = 0;
    for (;;) {
      const view = await stack.admin<{ status: string }>('GET', `/api/bulk/${bulkId}`);
      if (view.status === 'finished') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    settled = (performance.now() - start) / 1000;
    while ((await recorded('BULK')) < rows) await new Promise((r) => setTimeout(r, 250));
    const inRecord = (performance.now() - start) / 1000;
    sampling = false;
    await sampler;

    console.log(
      [
        '',
        `bench:bulk  ${new Date().toISOString().slice(0, 10)}  ${os.cpus().length} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}  Node ${process.version}  load average before ${load.toFixed(2)}`,
        `${rows} rows, one worker and one dev server (database on disk), SQLite; the bulk activity starts 8 rows at a time`,
        `baseline, ${rows} × POST /api/cases (${concurrency} at a time), all in the record:  ${baseline.toFixed(1)} s`,
        `bulk file: answered 202 in ${(accepted * 1000).toFixed(0)} ms; every row started in ${settled.toFixed(1)} s; every case in the record in ${inRecord.toFixed(1)} s`,
        `ratio (bulk / baseline, to every case in the record): ${(inRecord / baseline).toFixed(2)}`,
        `goal: ${rows} rows started within ${GOAL_SECONDS} s: ${settled <= GOAL_SECONDS ? 'met' : 'NOT met'}`,
        `Temporal task queue backlog during the file, peak: ${backlog.workflow} workflow tasks, ${backlog.activity} activity tasks`,
      ].join('\n'),
    );
  } finally {
    await connection.close();
    await stores.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
