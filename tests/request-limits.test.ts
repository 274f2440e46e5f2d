// Issue 26 items 7 and 11: what a request may cost before anyone is known. A body that trickles in is cut at
// BODY_DEADLINE, one address holds at most CONNECTIONS_PER_ADDRESS connections, and before sign-in a JSON body is
// at most 256 KiB and 32 levels deep, refused before it is parsed.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';

let h: HttpHarness;
let ada: SignedIn;
const CAP = 8;

beforeAll(async () => {
  h = await HttpHarness.start({ env: { BODY_DEADLINE: '2s', CONNECTIONS_PER_ADDRESS: String(CAP) } });
  ada = await h.login('ada');
}, 120_000);
afterAll(async () => h?.close());

const port = (): number => Number(new URL(h.baseUrl).port);

/** A raw connection to the server: whether and when the server closed it. */
function connect(): Promise<{ socket: net.Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port(), '127.0.0.1', () => {
      const opened = Date.now();
      resolve({
        socket,
        closed: new Promise((done) => socket.once('close', () => done(Date.now() - opened))),
      });
    });
    socket.on('error', () => undefined); // a reset is how some of these end
    socket.once('error', reject);
  });
}

describe('slow and many connections (item 7)', () => {
  it('cuts a JSON body that trickles in one byte at a time before sign-in, at the body deadline', async () => {
    const { socket, closed } = await connect();
    socket.write(
      'POST /api/cases HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n',
    );
    // One byte every 300 ms would take two minutes to finish the body; the server must not wait that long.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 300);
    const cutAfter = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 20_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(cutAfter).toBeGreaterThan(0); // closed by the server, well before the trickle would have ended
  }, 30_000);

  it(`closes connections from one address past ${CAP}, and takes new ones once those close`, async () => {
    const sockets = await Promise.all(Array.from({ length: CAP + 6 }, () => connect().catch(() => undefined)));
    const closed = await Promise.all(
      sockets.map((s) =>
        s
          ? Promise.race([s.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))])
          : Promise.resolve(true),
      ),
    );
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(6);
    for (const s of sockets) s?.socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.as(ada, 'GET', '/api/cases')).status).toBe(200);
  });
});

describe('bodies before sign-in (item 11)', () => {
  const big = (bytes: number) => JSON.stringify({ username: 'ada', password: 'x'.repeat(bytes) });

  it('refuses a JSON body over 256 KiB before sign-in, by its declared length and by what arrives', async () => {
    const declared = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big(300 * 1024),
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toBe(
      'A request body before sign-in may hold at most 256 KiB.',
    );
    // Chunked, with no length to judge by: refused once the bytes pass the limit.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i += 1) controller.enqueue(new TextEncoder().encode(i === 0 ? '["' : 'x'.repeat(8192)));
        controller.enqueue(new TextEncoder().encode('"]'));
        controller.close();
      },
    });
    const streamed = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
  });

  it('takes up to 2 MiB once signed in', async () => {
    const answer = await h.as(ada, 'POST', '/api/cases', { padding: 'x'.repeat(600 * 1024) });
    expect(answer.status).toBe(400); // read and checked: not a case, but not refused for its size
    expect(answer.json.error.code).toBe('invalid_payload');
  });

  it('refuses JSON nested more than 32 deep before parsing it, and still refuses __proto__', async () => {
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    for (const body of [deep, `[${'['.repeat(5000)}${']'.repeat(5000)}]`]) {
      const answer = await fetch(h.url('/api/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toContain(
        'nested more than 32 levels deep',
      );
    }
    // Strings may hold brackets: only structure counts.
    const quoted = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: `${'['.repeat(100)}"\\` }),
    });
    expect(quoted.status).toBe(401);
    const poisoned = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":"ada","password":"x","__proto__":{"role":"admin"}}',
    });
    expect(poisoned.status).toBe(400);
  });
});
