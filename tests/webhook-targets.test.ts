// Issue 26 item 12: webhooks do not reach the district's own network. Loopback, private, link-local and metadata
// addresses are refused at registration and on every delivery, after DNS resolution (the connection's own lookup is
// the check, so a name cannot resolve one way for the check and another for the connection), unless
// WEBHOOK_ALLOW_PRIVATE=true; and the delivery log's reasons say nothing a port scanner could use.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, postWebhook, WebhookTargetRefused } from '../infra/webhooks/webhook-target';
import { HttpHarness, type SignedIn } from './support/http-harness';

describe('the addresses a webhook must not reach', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('a delivery', () => {
  let receiver: http.Server;
  let port: number;
  let received = 0;
  beforeAll(async () => {
    receiver = http.createServer((request, response) => {
      received += 1;
      request.resume();
      response.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const post = (url: string, allowPrivate: boolean) =>
    postWebhook(url, { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000, allowPrivate });

  it('to a loopback address or a name resolving to one is refused before it connects, unless private ones are allowed', async () => {
    const before = received;
    await expect(post(`http://127.0.0.1:${port}/hooks`, false)).rejects.toBeInstanceOf(WebhookTargetRefused);
    // The name is checked by the connection's own lookup: what is checked is what is connected to.
    await expect(post(`http://localhost:${port}/hooks`, false)).rejects.toBeInstanceOf(WebhookTargetRefused);
    expect(received).toBe(before);
    expect(await post(`http://127.0.0.1:${port}/hooks`, true)).toBe(200);
    expect(received).toBe(before + 1);
  });

  it('that cannot connect says only that, whatever the port or the error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(post(`http://127.0.0.1:${closedPort}/`, true)).rejects.toThrow(/^could not connect$/);
    await expect(post(`https://127.0.0.1:${port}/`, true)).rejects.toThrow(/^could not connect$/); // TLS to plain HTTP
  });
});

describe('registering an endpoint, with WEBHOOK_ALLOW_PRIVATE unset', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start({ env: { WEBHOOK_ALLOW_PRIVATE: '' } });
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  it('refuses a loopback endpoint by its field, in the form’s words, and keeps nothing', async () => {
    for (const url of ['http://127.0.0.1:9/hooks', 'http://localhost:8080/hooks', 'http://[::1]:8080/hooks']) {
      const answer = await h.as(ada, 'POST', '/api/webhooks', { url, events: ['*'] });
      expect({ url, answer }).toMatchObject({
        answer: {
          status: 400,
          json: {
            error: {
              code: 'invalid_payload',
              message: expect.stringMatching(
                /^The endpoint's URL must not reach a loopback, private, link-local or metadata address/,
              ),
              details: [{ field: 'url' }],
            },
          },
        },
      });
    }
    expect((await h.as(ada, 'GET', '/api/webhooks')).json.webhooks).toEqual([]);
  });
});
