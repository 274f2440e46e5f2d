// npm run bench:http [-- --duration 10 --connections 10 --seed 200]
//
// The web under load (issue 6, item 3): autocannon against the vendor's task page (`GET /v/<token>`, which
// checks the link, reads the case record and appends to the access log) and the case list (`GET /api/cases`,
// signed in), and in the same run against a trivial route of the same server (`GET /static/style.css`), so
// each figure comes with its ratio to what the server does with no work at all. The server runs in its own
// process as `npm start` runs it, with `--seed` cases in its record; each request comes from one of many
// vendor addresses (X-Forwarded-For behind TRUST_PROXY), as the per-address limits on vendor links intend.
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { caseInput } from '../tests/support/fixtures';
import { Outbox } from './outbox';
import { deepCursor, freshPostgres, seedCases } from './case-list';
import { log, Stack } from './stack';

const GOAL_RPS = 1000;
const GOAL_P99_MS = 50;

interface Args {
  duration: number;
  connections: number;
  seed: number;
  /** Cases written into the record for the case-list phase, on each backend. */
  listCases: number;
  backends: ('sqlite' | 'postgres')[];
}

function readArgs(): Args {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      seed: { type: 'string', default: '200' },
      'list-cases': { type: 'string', default: '10000' },
      backends: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const [duration, connections, seed, listCases] = [
    Number(values.duration),
    Number(values.connections),
    Number(values.seed),
    Number(values['list-cases']),
  ];
  const backends = values.backends.split(',').filter(Boolean) as Args['backends'];
  if (!backends.every((b) => b === 'sqlite' || b === 'postgres'))
    throw new Error('--backends: sqlite, postgres or both, comma-separated');
  if (!Number.isInteger(listCases) || listCases < 0)
    throw new Error('--list-cases: a whole number (0 skips the case-list phase)');
  if (!(duration > 0)) throw new Error('--duration: seconds per route, more than 0');
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections: a whole number, at least 1');
  if (!Number.isInteger(seed) || seed < 1) throw new Error('--seed: cases in the record, at least 1');
  return { duration, connections, seed, listCases, backends };
}

interface Target {
  name: string;
  path: string;
  headers?: Record<string, string>;
}

interface Measured {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  failed: number;
}

let address = 0;
/** Vendors write from many addresses: 2,000 of them in turn keeps each well under its per-minute limit. */
const nextAddress = (): string => {
  address = (address + 1) % 2000;
  return `10.1.${address >> 8}.${address & 255}`;
};

async function hammer(baseUrl: string, target: Target, seconds: number, connections: number): Promise<Measured> {
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: target.path,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, ...target.headers, 'x-forwarded-for': nextAddress() },
        }),
      },
    ],
  });
  return {
    target,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * The case list at `count` cases on one backend: the first page of 50, and a page 100 pages deep by due time,
 * beside the trivial route of the same server.
 */
async function caseListPhase(args: Args, backend: 'sqlite' | 'postgres'): Promise<string[]> {
  const postgres = backend === 'postgres' ? await freshPostgres() : undefined;
  let deep = '';
  let deepVendor = '';
  log(`case list on ${backend}: writing ${args.listCases} cases into the record…`);
  const stack = await Stack.start({
    ...(postgres ? { env: postgres.env } : {}),
    seed: async (stores) => {
      await seedCases(stores, args.listCases);
      deep = await deepCursor(stores, 'due', Math.min(100, Math.floor(args.listCases / 50) - 1));
      deepVendor = await deepCursor(stores, 'vendor', Math.min(100, Math.floor(args.listCases / 50) - 1));
    },
  });
  try {
    const cookie = { cookie: stack.session.cookie };
    const targets: Target[] = [
      { name: `trivial (${backend})`, path: '/static/style.css' },
      { name: `case list, first page of 50 (${backend})`, path: '/api/cases?limit=50', headers: cookie },
      {
        name: `case list, by due, page 101 (${backend})`,
        path: `/api/cases?limit=50&sort=due&cursor=${deep}`,
        headers: cookie,
      },
      {
        name: `case list, by vendor, page 101 (${backend})`,
        path: `/api/cases?limit=50&sort=vendor&cursor=${deepVendor}`,
        headers: cookie,
      },
    ];
    const results: Measured[] = [];
    for (const target of targets) {
      const probe = await fetch(stack.url(target.path), {
        headers: { ...target.headers, 'x-forwarded-for': nextAddress() },
      });
      if (probe.status !== 200)
        throw new Error(`${target.name}: ${probe.status} ${(await probe.text()).slice(0, 300)}`);
      log(`${target.name}: warming up, then ${args.duration} s…`);
      await hammer(stack.baseUrl, target, Math.min(3, args.duration), args.connections);
      results.push(await hammer(stack.baseUrl, target, args.duration, args.connections));
    }
    const trivial = results[0]!;
    const worst = Math.max(...results.slice(1).map((r) => r.p99));
    return [
      ...results.map((r) => row(r, trivial)),
      `case list at ${args.listCases} cases on ${backend}: p99 ${worst} ms for a page of 50 (goal ≤ ${GOAL_P99_MS}: ${worst <= GOAL_P99_MS ? 'met' : 'NOT met'})`,
    ];
  } finally {
    await stack.stop();
    await postgres?.drop();
  }
}

const row = (r: Measured, trivial: Measured): string =>
  `${r.target.name.padEnd(44)}${r.rps.toFixed(0).padStart(8)}${r.p50.toFixed(0).padStart(8)}${r.p99.toFixed(0).padStart(8)}${String(r.failed).padStart(8)}` +
  `${(r.rps / trivial.rps).toFixed(2).padStart(12)}${(r.p99 / Math.max(trivial.p99, 1)).toFixed(2).padStart(11)}`;

async function main(): Promise<void> {
  const args = readArgs();
  const load = os.loadavg()[0]!;
  log(
    `bench:http: ${args.seed} cases in the record, ${args.connections} connections, ${args.duration} s per route; starting the stack…`,
  );
  const stack = await Stack.start();
  const outbox = new Outbox(`${stack.dataDir}/outbox`).start();
  try {
    const caseIds: string[] = [];
    for (let i = 0; i < args.seed; i += 1) {
      caseIds.push(
        (await stack.admin<{ caseId: string }>('POST', '/api/cases', caseInput({ contract: { id: `CT-HTTP-${i}` } })))
          .caseId,
      );
    }
    const notice = await outbox.waitFor('notice-acknowledge-1', 'vendor', caseIds.at(-1)!);
    await Promise.all(caseIds.map((caseId) => outbox.waitFor('notice-acknowledge-1', 'vendor', caseId)));
    const targets: Target[] = [
      { name: 'trivial: GET /static/style.css', path: '/static/style.css' },
      { name: 'vendor task page: GET /v/<token>', path: `/v/${notice.token}` },
      {
        name: `case list: GET /api/cases (${args.seed} cases)`,
        path: '/api/cases',
        headers: { cookie: stack.session.cookie },
      },
    ];
    for (const target of targets) {
      const probe = await fetch(stack.url(target.path), {
        headers: { ...target.headers, 'x-forwarded-for': nextAddress() },
      });
      if (probe.status !== 200)
        throw new Error(`${target.name}: ${probe.status} ${(await probe.text()).slice(0, 300)}`);
    }

    const results: Measured[] = [];
    for (const target of targets) {
      log(`${target.name}: warming up, then ${args.duration} s…`);
      await hammer(stack.baseUrl, target, Math.min(3, args.duration), args.connections);
      results.push(await hammer(stack.baseUrl, target, args.duration, args.connections));
    }

    const trivial = results[0]!;
    const vendor = results[1]!;
    const lines = [
      `bench:http  ${new Date().toISOString().slice(0, 10)}  ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}  Node ${process.version}  load average before ${load.toFixed(2)}`,
      `autocannon, ${args.connections} connections, ${args.duration} s per route after a warm-up; server in its own process; ${args.seed} cases in the record`,
      '',
      `${'route'.padEnd(44)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'failed'.padStart(8)}${'rate ratio'.padStart(12)}${'p99 ratio'.padStart(11)}`,
      ...results.map((r) => row(r, trivial)),
      '',
      `vendor task page: ${vendor.rps.toFixed(0)} req/s (goal ≥ ${GOAL_RPS}: ${vendor.rps >= GOAL_RPS ? 'met' : 'NOT met'}), p99 ${vendor.p99} ms (goal ≤ ${GOAL_P99_MS}: ${vendor.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'})`,
      `(ratios are to the trivial route on the same server in the same run; the server's peak RSS was ${stack.server.memory().peakMiB.toFixed(0)} MiB)`,
    ];
    if (results.some((r) => r.failed > 0))
      lines.push(
        `some requests failed (non-2xx, errors or timeouts): the figures above count only what the server answered`,
      );
    console.log(lines.join('\n'));
  } finally {
    outbox.stop();
    await stack.stop();
  }
  if (args.listCases > 0) {
    const lines: string[] = [''];
    for (const backend of args.backends) lines.push(...(await caseListPhase(args, backend)), '');
    console.log(lines.join('\n'));
  }
}

main().catch((err) => {
  console.error(`bench:http failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
