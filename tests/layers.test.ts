// The folders are layers (docs/architecture.md, "Layers"): each imports only the ones below it, so rendering two
// layers share sits where both may import it, and workflow code stays deterministic. This fails naming each import
// that runs against them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

/** Which top-level folders each folder's modules may import (besides packages and Node's own modules). */
const MAY_IMPORT: Record<string, string[]> = {
  domain: ['domain'],
  presentation: ['presentation', 'domain'],
  actions: ['actions', 'presentation', 'domain'],
  workflows: ['workflows', 'actions', 'domain'],
  activities: ['activities', 'domain', 'infra', 'presentation'],
  infra: ['infra', 'presentation', 'domain'],
  worker: ['worker', 'workflows', 'actions', 'activities', 'infra', 'presentation', 'domain'],
  server: ['server', 'client', 'actions', 'workflows', 'infra', 'presentation', 'domain'],
  client: ['client', 'actions', 'workflows', 'infra', 'presentation', 'domain'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(rel) : entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every module specifier a file names, with whether it is a type-only import or one loaded when first needed. */
function imports(file: string): { spec: string; typeOnly: boolean; lazy: boolean }[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [
    ...text.matchAll(/(import type [^;]*? from|(?:import|export)[^;'"]*? from|import\(|require\()\s*['"]([^'"]+)['"]/g),
  ].map((m) => ({
    spec: m[2]!,
    typeOnly: m[1]!.startsWith('import type'),
    lazy: m[1] === 'require(' || m[1] === 'import(',
  }));
}

const folderOf = (file: string, spec: string): string =>
  path.normalize(path.join(path.dirname(file), spec)).split(path.sep)[0]!;

describe('the layers', () => {
  it('each folder imports only the folders below it', () => {
    const against: string[] = [];
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      for (const file of sources(folder)) {
        for (const { spec, typeOnly } of imports(file)) {
          if (!spec.startsWith('.')) continue;
          const target = folderOf(file, spec);
          // The workflow types its activities by their module's type alone (`proxyActivities<typeof activities>`).
          if (folder === 'workflows' && target === 'activities' && typeOnly) continue;
          if (!allowed.includes(target)) against.push(`${file} imports ${spec} (${target})`);
        }
      }
    }
    expect(against).toEqual([]);
  });

  it("the workflow side of each action imports no Node module, no zod and no package but Temporal's workflow API", () => {
    const handlerFiles = sources('actions').filter(
      (file) => file.endsWith('handler.ts') || file.endsWith('handler-kit.ts') || file.endsWith('handlers.ts'),
    );
    expect(handlerFiles.length).toBeGreaterThan(10);
    const outside = handlerFiles.flatMap((file) =>
      imports(file)
        .filter(({ spec, typeOnly }) => !typeOnly && !spec.startsWith('.') && spec !== '@temporalio/workflow')
        .map(({ spec }) => `${file} imports ${spec}`),
    );
    expect(outside).toEqual([]);
    // Relative imports of a handler reach only other handler files and domain's modules; the declarations' schemas
    // load on the first validation only (a lazy require; tests/workflow-footprint.test.ts checks it at run time).
    const declarations = handlerFiles.flatMap((file) =>
      imports(file)
        .filter(
          ({ spec, typeOnly, lazy }) =>
            !typeOnly && !lazy && spec.startsWith('.') && /\/action$|\/kit$|\/registry$/.test(spec),
        )
        .map(({ spec }) => `${file} imports ${spec}`),
    );
    expect(declarations).toEqual([]);
  });
});
