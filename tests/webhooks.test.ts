// Signed webhooks against a real HTTP receiver: each case transition delivered as JSON with a signature the
// receiver can check, retried with backoff when the receiver fails, logged per endpoint, resent on request; a
// receiver that answers 410 is disabled and the administrators told; a receiver that hangs never holds a case.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyWebhookSignature } from '../infra/webhooks/webhook-signature';
import { HttpHarness, type SignedIn } from './support/http-harness';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let h: HttpHarness;
let ada: SignedIn;
let receiver: http.Server;
let base: string;
const received: Received[] = [];
/** What the receiver answers on each path, in turn (the last one repeats); `hang` never answers. */
const script: Record<string, (number | 'hang')[]> = { '/flaky': [500, 503, 200], '/gone': [410], '/slow': ['hang'] };
const calls: Record<string, number> = {};

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, body });
      const turns = script[path] ?? [200];
      const answer = turns[Math.min(calls[path] ?? 0, turns.length - 1)]!;
      calls[path] = (calls[path] ?? 0) + 1;
      if (answer !== 'hang') response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // A receiver that does not answer holds its try for 10 minutes, far past anything a case waits for.
  h = await HttpHarness.start({ deps: { deliveryTimeoutMs: 600_000 } });
  ada = await h.login('ada');
});
afterAll(async () => {
  receiver?.closeAllConnections();
  receiver?.close();
  await h?.close();
});

const register = async (path: string, events: string[]) => {
  const created = await h.as(ada, 'POST', '/api/webhooks', { url: `${base}${path}`, events });
  expect(created.status).toBe(201);
  return created.json as { id: string; secret: string };
};

describe('webhooks', () => {
  it('refuses an address that is not https outside this machine, and never lists a secret', async () => {
    for (const url of ['http://hooks.district.example/x', 'ftp://127.0.0.1/x', 'https://10.0.0.7/x']) {
      const refused = await h.as(ada, 'POST', '/api/webhooks', { url, events: ['*'] });
      expect(refused).toMatchObject({
        status: 400,
        json: { error: { message: expect.stringContaining('must be an https:// address') } },
      });
    }
    expect((await h.as(ada, 'POST', '/api/webhooks', { url: `${base}/x`, events: ['done'] })).status).toBe(400);
    // Found by schemathesis: a status named twice is valid by the document, so it is taken (once).
    const twice = await h.as(ada, 'POST', '/api/webhooks', {
      url: 'https://records.district.example/hooks',
      events: ['*', '*', 'completed', 'completed'],
    });
    expect(twice).toMatchObject({ status: 201, json: { events: ['*', 'completed'] } });
    await h.as(ada, 'DELETE', `/api/webhooks/${twice.json.id}`);
    const lee = await h.login('lee');
    expect((await h.as(lee, 'POST', '/api/webhooks', { url: `${base}/x`, events: ['*'] })).status).toBe(403);
  });

  it('delivers a transition signed, retries after the receiver fails twice, logs it, and resends it', async () => {
    const hook = await register('/flaky', ['awaiting_acknowledgement']);
    const caseId = await h.cases.startCase();
    const delivered = await h.cases.waitFor(
      'the third attempt',
      () => received.filter((r) => r.path === '/flaky').length >= 3 && received.filter((r) => r.path === '/flaky'),
      30_000,
    );
    const last = delivered[2]!;
    expect(verifyWebhookSignature(hook.secret, String(last.headers['disposition-signature']), last.body)).toBe(true);
    expect(
      verifyWebhookSignature(
        hook.secret,
        String(last.headers['disposition-signature']),
        last.body.replace(caseId, 'x'.repeat(caseId.length)),
      ),
    ).toBe(false);
    const event = JSON.parse(last.body);
    expect(event).toMatchObject({
      type: 'case.status_changed',
      caseId,
      status: 'awaiting_acknowledgement',
      previousStatus: null,
      contractId: expect.stringMatching(/^CT-2024-\d{3,}$/),
    });
    expect(event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(last.body).not.toContain('acme-learning.example'); // no personal data
    expect(new Set(delivered.map((r) => JSON.parse(r.body).id)).size).toBe(1); // one event, three tries

    const log = await h.cases.waitFor(
      'delivered in the log',
      async () => {
        const { json } = await h.as(ada, 'GET', `/api/webhooks/${hook.id}/deliveries`);
        return json.deliveries[0]?.status === 'delivered' && json.deliveries;
      },
      10_000,
    );
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ caseId, status: 'delivered', attempts: 3, lastStatus: 200, eventId: event.id });

    const resent = await h.as(ada, 'POST', `/api/webhooks/${hook.id}/deliveries/${log[0].id}/resend`);
    expect(resent).toMatchObject({ status: 202, json: { status: 'pending' } });
    const again = await h.cases.waitFor(
      'the resend',
      () => received.filter((r) => r.path === '/flaky').length >= 4 && received.filter((r) => r.path === '/flaky')[3],
      15_000,
    );
    expect(JSON.parse(again.body).id).toBe(event.id);
    expect(verifyWebhookSignature(hook.secret, String(again.headers['disposition-signature']), again.body)).toBe(true);

    // A rotated secret signs from then on; the old one no longer verifies.
    const rotated = (await h.as(ada, 'POST', `/api/webhooks/${hook.id}/secret`)).json as { secret: string };
    expect(rotated.secret).not.toBe(hook.secret);
    const listed = (await h.as(ada, 'GET', '/api/webhooks')).json;
    expect(JSON.stringify(listed)).not.toContain(rotated.secret);
  }, 60_000);

  it('disables an endpoint that answers 410 and tells the administrators', async () => {
    const hook = await register('/gone', ['awaiting_acknowledgement']);
    await h.cases.startCase();
    const mail = await h.cases.smtp.waitFor((m) => m.headers.get('x-disposition-mail') === 'webhook-gone');
    expect(mail.subject).toBe(`Webhook disabled: ${base}/gone`);
    expect(mail.to).toContain('ada@district.example');
    const listed = (await h.as(ada, 'GET', '/api/webhooks')).json.webhooks.find(
      (w: { id: string }) => w.id === hook.id,
    );
    expect(listed).toMatchObject({ disabledReason: 'the receiver answered 410 Gone' });
    const [delivery] = (await h.as(ada, 'GET', `/api/webhooks/${hook.id}/deliveries`)).json.deliveries;
    expect(delivery).toMatchObject({ status: 'failed', lastStatus: 410, attempts: 1 });
    expect((await h.as(ada, 'POST', `/api/webhooks/${hook.id}/deliveries/${delivery.id}/resend`)).status).toBe(409);
    expect(calls['/gone']).toBe(1);
  });

  it('never holds a case back when receivers do not answer, however many', async () => {
    // More hanging deliveries than a worker has activity slots (100): they wait on their own queue and slots.
    for (let i = 0; i < 120; i += 1) await register('/slow', ['*']);
    const caseId = await h.cases.startCase();
    const ack = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname.split('/').pop()!;
    expect(
      (
        await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
          contactName: 'Dana',
          contactEmail: 'dana@acme-learning.example',
        })
      ).status,
    ).toBe(200);
    // Each hanging try holds its slot for the whole delivery timeout (here 10 minutes): had they shared the case's
    // slots, the case could not move before the first of them gave up. Not a timing: an order of events.
    await h.cases.waitForStatus(caseId, 'awaiting_return');
    const { json } = await h.as(ada, 'GET', `/api/webhooks`);
    const slow = (json.webhooks as { id: string; url: string }[]).filter((w) => w.url.endsWith('/slow'));
    const given = await Promise.all(
      slow.map(
        async (w) =>
          (await h.as(ada, 'GET', `/api/webhooks/${w.id}/deliveries`)).json.deliveries as {
            lastError: string | null;
          }[],
      ),
    );
    expect(given.flat().filter((d) => d.lastError !== null)).toEqual([]);
    // The endpoints go, and their tries are let go: their retries find no endpoint and stop.
    for (const w of slow) expect((await h.as(ada, 'DELETE', `/api/webhooks/${w.id}`)).status).toBe(200);
    receiver.closeAllConnections();
  });

  it('has a settings page: add (the secret shown once), refuse with the reason, resend, remove, without JavaScript', async () => {
    const form = (fields: [string, string][]) => ({
      method: 'POST',
      redirect: 'manual' as const,
      headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['_csrf', ada.csrfToken], ...fields]).toString(),
    });
    const refused = await fetch(
      h.url('/settings/webhooks'),
      form([
        ['url', 'http://records.district.example/x'],
        ['events', '*'],
      ]),
    );
    expect(refused.status).toBe(400);
    const refusedPage = await refused.text();
    expect(refusedPage).toContain('must be an https:// address');
    expect(refusedPage).toContain('value="http://records.district.example/x"');

    const added = await fetch(
      h.url('/settings/webhooks'),
      form([
        ['url', `${base}/page`],
        ['events', 'completed'],
        ['events', 'cancelled'],
      ]),
    );
    expect(added.status).toBe(201);
    const page = await added.text();
    const secret = /<code class="hash">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(page)?.[1];
    expect(secret).toBeDefined();
    const id = /Endpoint (wh_[A-Za-z0-9_-]{12}) added/.exec(page)![1]!;
    const later = await (await fetch(h.url('/settings/webhooks'), { headers: { cookie: ada.cookie } })).text();
    expect(later).toContain(`<bdi>${base}/page</bdi>`);
    expect(later).not.toContain(secret!); // once only
    expect(later).toContain('Completed, Cancelled');

    const removed = await fetch(h.url(`/settings/webhooks/${id}/remove`), form([]));
    expect(removed.status).toBe(303);
    expect((await h.as(ada, 'GET', '/api/webhooks')).json.webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
    const lee = await h.login('lee');
    expect((await fetch(h.url('/settings/webhooks'), { headers: { cookie: lee.cookie } })).status).toBe(403);
  });

  it('is managed from the CLI too: add (secret once), list, deliveries, new secret, remove', async () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [path.resolve(__dirname, '../bin/disposition.js'), ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          DATA_DIR: h.cases.dataDir,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TASK_QUEUE: h.cases.taskQueue,
          WEBHOOK_ALLOW_PRIVATE: 'true', // the test's receiver listens on loopback, as the server's config allows
        },
      });
    const refused = cli(['webhook', 'add', '--url', 'http://records.district.example/x', '--events', '*']);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('must be an https:// address');
    const added = cli(['webhook', 'add', '--url', `${base}/cli`, '--events', 'completed,cancelled', '--json']);
    expect(added.status).toBe(0);
    const { id, secret } = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    const listed = cli(['webhook', 'list']);
    expect(listed.stdout).toContain(`${id}  active  ${base}/cli  completed,cancelled`);
    expect(listed.stdout).not.toContain(secret);
    expect(cli(['webhook', 'deliveries', id]).stdout.trim()).toBe('Nothing delivered yet.');
    const rotated = cli(['webhook', 'secret', id, '--json']);
    expect(JSON.parse(rotated.stdout).secret).not.toBe(secret);
    expect(cli(['webhook', 'remove', id]).status).toBe(0);
    expect(cli(['webhook', 'remove', id]).status).toBe(4);
  });
});
