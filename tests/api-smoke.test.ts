import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness } from './support/http-harness';
import { caseInput } from './support/fixtures';

let h: HttpHarness;
beforeAll(async () => { h = await HttpHarness.start(); });
afterAll(async () => h?.close());

describe('smoke', () => {
  it('starts a case through the API and opens the vendor link', async () => {
    const ada = await h.login('ada');
    const started = await h.as(ada, 'POST', '/api/cases', caseInput());
    expect(started.status).toBe(201);
    const { link } = await h.cases.vendorMail(started.json.caseId, 'acknowledge');
    const token = link.split('/v/')[1]!;
    const task = await h.as(undefined, 'GET', `/api/vendor/${token}`);
    expect(task.status).toBe(200);
    expect(task.json.task.kind).toBe('acknowledge');
    const page = await fetch(h.url(`/v/${token}`));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Acknowledge the notice');
  });
});
