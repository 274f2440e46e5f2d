// What each cached workflow costs the worker: every workflow in the worker's V8 context gets its own copy of
// every module it loads, so workflow code keeps zod's schemas out until a validator needs them
// (actions/handler-kit.ts, parsePayload), and OpenTelemetry out unless tracing is on. A top-level import of a
// schema module from workflow code fails here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

/** The modules loaded by requiring the workflows, then (with `validate`) by the first payload check. */
function modulesLoaded(validate: boolean): string[] {
  const script = `
    require('./workflows/index.ts');
    ${validate ? "require('./actions/handler-kit.ts').parsePayload('cancelCase', { reason: 'r', actor: 'a' });" : ''}
    process.stdout.write(JSON.stringify(Object.keys(require.cache).map((f) => require('node:path').relative(process.cwd(), f))));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

describe('the workflow bundle per cached case', () => {
  it('loads no zod and no schema module until a validator runs', () => {
    const loaded = modulesLoaded(false);
    expect(loaded).toContain(path.join('workflows', 'termination-case.ts'));
    expect(loaded.filter((file) => file.includes(`${path.sep}zod${path.sep}`))).toEqual([]);
    // Nor OpenTelemetry's API: only a traced worker's interceptors load it (workflows/request-trace.ts).
    expect(loaded.filter((file) => file.includes(`${path.sep}@opentelemetry${path.sep}`))).toEqual([]);
    const schemaModules = ['messages', 'api', 'case-input', 'certification', 'time-schemas', 'text'].map((name) =>
      path.join('domain', `${name}.ts`),
    );
    expect(loaded.filter((file) => schemaModules.includes(file))).toEqual([]);
  });

  it('loads the payload schemas on the first validation', () => {
    const loaded = modulesLoaded(true);
    expect(loaded).toContain(path.join('domain', 'messages.ts'));
    expect(loaded.some((file) => file.includes(`${path.sep}zod${path.sep}`))).toBe(true);
  });
});
