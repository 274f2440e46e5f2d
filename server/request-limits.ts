// What a request may cost the server before anyone is known (issue 26 items 7 and 11): a JSON or form body of at
// most 256 KiB before sign-in (2 MiB after), JSON nested at most 32 deep, checked before it is parsed; a body that
// has not arrived within BODY_DEADLINE is cut; headers that have not arrived within 20 s are cut (Node looks every 30 s, so within 50 s); at most
// CONNECTIONS_PER_ADDRESS connections from one address; idle keep-alive connections closed after 10 s.
// Uploads (multipart) keep their own bounds: UPLOAD_MAX_BYTES and IDLE_TIMEOUT.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import { DispositionError } from '../domain/errors';
import { sizeInWords } from '../domain/sizes';

export const SIGNED_OUT_BODY_LIMIT = 256 * 1024;
export const SIGNED_IN_BODY_LIMIT = 2 * 1024 * 1024;
export const MAX_JSON_DEPTH = 32;
export const HEADERS_DEADLINE_MS = 20_000;
export const KEEP_ALIVE_MS = 10_000;

/** The bodies read whole and parsed: JSON and forms. Uploads, a bulk CSV and a PDF to verify stream. */
const PARSED = /^(application\/json|application\/x-www-form-urlencoded)\b/i;

/** Whether JSON text opens more than `max` arrays and objects inside one another (strings skipped), read before parsing. */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

/** Passes a body on while it stays under `limit` bytes and arrives within `deadlineMs`; refuses it past either. */
function bounded(request: FastifyRequest, payload: NodeJS.ReadableStream, limit: number, deadlineMs: number) {
  let received = 0;
  const cut = setTimeout(() => {
    // Too slow to wait for: answered 408 where the socket still listens, and closed.
    stream.destroy(new DispositionError('invalid_payload', `the body did not arrive within ${deadlineMs / 1000} s`));
    request.raw.socket?.destroy();
  }, deadlineMs);
  cut.unref();
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      received += chunk.length;
      (stream as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
      if (received > limit) return callback(tooLarge(request, limit));
      callback(null, chunk);
    },
    flush(callback) {
      clearTimeout(cut);
      callback();
    },
  });
  stream.on('close', () => clearTimeout(cut));
  return (payload as NodeJS.ReadableStream & { pipe: <T extends NodeJS.WritableStream>(to: T) => T }).pipe(stream);
}

const tooLarge = (request: FastifyRequest, limit: number): DispositionError =>
  new DispositionError(
    'too_large',
    `A request body ${request.session ? '' : 'before sign-in '}may hold at most ${sizeInWords(limit)}.`,
  );

export function registerRequestLimits(
  app: FastifyInstance,
  options: { bodyDeadlineMs: number; connectionsPerAddress: number; trustProxy: boolean },
): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!PARSED.test(String(request.headers['content-type'] ?? ''))) return payload;
    const limit = request.session ? SIGNED_IN_BODY_LIMIT : SIGNED_OUT_BODY_LIMIT;
    const declared = Number(request.headers['content-length']);
    if (declared > limit) throw tooLarge(request, limit);
    return bounded(request, payload, limit, options.bodyDeadlineMs);
  });

  // Fastify's own JSON parser (which refuses __proto__ and constructor.prototype), after the depth is known.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestedDeeperThan(body as string, MAX_JSON_DEPTH))
      return done(
        new DispositionError('invalid_payload', `the body is JSON nested more than ${MAX_JSON_DEPTH} levels deep`),
        undefined,
      );
    void parseJson(request, body as string, done);
  });

  const server = app.server;
  server.headersTimeout = HEADERS_DEADLINE_MS;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Behind a proxy every connection comes from the proxy: the cap is the proxy's to keep.
  if (options.trustProxy) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > options.connectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
