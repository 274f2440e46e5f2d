// Each case action is declared once (actions/<name>/action.ts, listed in actions/registry.ts); the API route and its document entry, the page form's
// route, the CLI command and the examples all come from the declarations. These checks fail when one of them
// is missing for an action, or when an example no longer passes the body check of its route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { ACTION_HANDLERS } from '../actions/handlers';
import { API_DOC, withActionTable } from '../scripts/action-table';
import { STAFF_ACTIONS, VENDOR_ACTIONS } from '../actions/registry';
import { LINK_TASKS, type TaskKind } from '../domain/statuses';
import { newCaseState } from '../domain/case-state-changes';
import { html } from '../presentation/markup';
import { vendorTaskView } from '../presentation/vendor-task';
import { caseInput } from './support/fixtures';
import { runCli } from '../client/cli';
import { buildHttpServer } from '../server/http-server';
import { HttpHarness, type SignedIn } from './support/http-harness';

let h: HttpHarness;
let ada: SignedIn;
let doc: {
  paths: Record<
    string,
    Record<
      string,
      { description?: string; requestBody?: { content: Record<string, { example?: unknown }> }; security?: unknown[] }
    >
  >;
};

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
  doc = (await h.as(undefined, 'GET', '/api/openapi.json')).json;
});
afterAll(async () => h?.close());

describe('each staff action, from its declaration', () => {
  it.each(Object.entries(STAFF_ACTIONS))(
    '%s: API route in the document with its roles, page route, CLI command',
    async (_name, action) => {
      const documented = `/api/cases/{caseId}/${action.path.replace(/:(\w+)/g, '{$1}')}`;
      const entry = doc.paths[documented]?.post;
      expect(entry, `POST ${documented} is in the document`).toBeDefined();
      expect(entry!.description).toBe(`Roles: ${action.roles.join(', ')}.`);
      expect(entry!.security).toEqual([{ session: [], csrf: [] }]);
      // A JSON body as declared, or the file of an action that takes one (multipart/form-data).
      expect(Boolean(entry!.requestBody)).toBe(Boolean(action.body || action.upload));
      if (action.upload) expect(Object.keys(entry!.requestBody!.content)).toEqual(['multipart/form-data']);
      // The page's form posts here: signed out, it leads to the sign-in page rather than "no such page".
      const page = await fetch(h.url(`/cases/abcdef123/${action.path.replace(/:\w+/g, 'r1')}`), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toMatch(/^\/login\?next=/);
      const lines: string[] = [];
      await runCli(['--help'], (t) => lines.push(t));
      expect(lines.join('\n')).toContain(`case ${action.cli.name} ID`);
    },
  );

  it('a role the action does not name is refused', async () => {
    const lee = await h.login('lee');
    const refused = await h.as(lee, 'POST', '/api/cases/abcdef123/cancel', { reason: 'not mine to cancel' });
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
    // legal staff may hold a case: the declaration names both roles, so lee gets past the role check to the case
    expect((await h.as(lee, 'POST', '/api/cases/abcdef123/legal-hold', { on: true, reason: 'audit' })).status).toBe(
      404,
    );
  });
});

describe('each vendor action, from its declaration', () => {
  it.each(Object.entries(VENDOR_ACTIONS))('%s: API route in the document, page route', async (_name, action) => {
    const entry = doc.paths[`/api/vendor/{token}/${action.path}`]?.post;
    expect(entry, `POST /api/vendor/{token}/${action.path} is in the document`).toBeDefined();
    expect(Object.keys(entry as object)).toContain('responses');
    expect(Object.keys((entry as { responses: object }).responses)).toContain(String(action.status ?? 200));
    const page = await fetch(h.url(`/v/not-a-real-token/${action.path}`), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(page.status).toBe(403);
  });
});

describe("each action's workflow side, from its folder", () => {
  const declared = [...Object.values(STAFF_ACTIONS), ...Object.values(VENDOR_ACTIONS)];

  it.each(Object.entries(STAFF_ACTIONS))('%s: its page form lives in its own folder', (_name, action) => {
    expect(action.panel, 'a panel (actions/kit.ts) with the form').toBeDefined();
    const folder = fs
      .readdirSync('actions', { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `actions/${entry.name}/action.ts`)
      .find((file) => fs.readFileSync(file, 'utf8').includes(`path: '${action.path}'`));
    expect(folder).toBeDefined();
    // The form posts to the action's page route: /cases/:caseId/<path>, its parameters filled in.
    const postsTo = `action="/cases/\${caseId}/${action.path.replace(/:\w+/g, '')}`;
    expect(fs.readFileSync(folder!, 'utf8')).toContain(postsTo);
  });

  it("each task a vendor's link opens has its page, with its form, in the folder of the action that does it", () => {
    const pages = Object.values(VENDOR_ACTIONS).filter((action) => 'page' in action && action.page);
    expect(pages.map((action) => action.task).sort()).toEqual([...LINK_TASKS].sort());
    const state = newCaseState('CASE-PAGES', caseInput(), 'test:admin', Date.now());
    for (const action of pages) {
      const view = vendorTaskView(
        {
          caseId: state.caseId,
          status: state.status,
          state,
          openTask: { kind: action.task as TaskKind, dueAt: Date.now() },
          overdue: false,
        },
        'Riverside Unified School District',
      );
      const page = action.page!({
        base: '/v/TOKEN',
        api: '/api/vendor/TOKEN',
        view,
        value: () => '',
        problem: () => html``,
        errors: {},
      });
      expect(page.value, action.path).toContain(`action="/v/TOKEN/${action.path}"`);
    }
  });

  it('every update an action sends has exactly one handler, and every handler an action that sends it', () => {
    const handled = ACTION_HANDLERS.map((h) => h.update).sort();
    expect(handled).toEqual(declared.map((a) => a.update).sort());
    expect(new Set(handled).size).toBe(handled.length);
  });

  it("docs/api.md's action table is the one the registry gives (npm run docs:actions writes it)", () => {
    const doc = fs.readFileSync(API_DOC, 'utf8');
    expect(doc).toBe(withActionTable(doc));
    for (const action of declared) expect(doc).toContain(`/${action.path}\``);
  });

  it("the page and the API answer say the same sentence: the declaration's outcomes are its handler's", () => {
    for (const action of declared) {
      expect(ACTION_HANDLERS.find((h) => h.update === action.update)!.outcomes, action.update).toBe(action.outcomes);
    }
  });
});

describe('the document is made from the routes the server has', () => {
  it('refuses to register an API route without its entry', async () => {
    const server = buildHttpServer(h.deps);
    server.register(async (instance) => {
      instance.get('/api/undocumented', async () => ({}));
    });
    await expect(server.ready()).rejects.toThrow(/GET \/api\/undocumented has no entry for the API document/);
  });

  it('lists the codec endpoints with the session and no CSRF token', () => {
    for (const direction of ['encode', 'decode']) {
      expect(doc.paths[`/api/codec/${direction}`]?.post?.security).toEqual([{ session: [] }]);
    }
  });
});

describe("examples/: one body for every JSON body the API takes, each passing its route's checks", () => {
  const withBodies = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.requestBody?.content['application/json'])
        .map(([method, op]) => ({ method, path, example: op.requestBody!.content['application/json']!.example })),
    );

  it('every JSON body has its example in the document', () => {
    const routes = withBodies();
    expect(routes.length).toBeGreaterThanOrEqual(12);
    expect(routes.filter((r) => r.example === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('the server reads each example past its body check', async () => {
    for (const { method, path, example } of withBodies()) {
      // A case and a link that do not exist: a body that passes its check is refused for that (404/403), never as a 400.
      const url = path
        .replace('{caseId}', 'abcdef123')
        .replace('{token}', 'not-a-real-token')
        .replace('{requestId}', 'r1');
      const answer = await h.as(ada, method.toUpperCase(), url, example);
      expect({ route: `${method} ${path}`, status: answer.status, error: answer.json?.error }).not.toMatchObject({
        status: 400,
      });
      expect([200, 201, 401, 403, 404]).toContain(answer.status);
    }
  });
});
