// The codec endpoint for Temporal's Web UI: decodes (and encodes) payloads for a signed-in administrator.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../infra/keys/payload-codec';
import type { ServerContext } from '../server-context';
import { parseInput } from '../../domain/parse-input';

const payloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(1000),
});

const fromJson = (p: { metadata?: Record<string, string> | undefined; data?: string | undefined }): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Temporal's Web UI calls the codec from its own origin, with the administrator's session cookie. */
function allowUiOrigin(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (!origin || !ctx.config.temporalUiOrigins.includes(origin)) return;
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Access-Control-Allow-Headers', 'content-type, x-namespace');
  reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
  reply.header('Vary', 'Origin');
}

export function registerCodecApi(app: FastifyInstance, ctx: ServerContext): void {
  const codec = new AesGcmPayloadCodec(ctx.keyring);
  for (const direction of ['encode', 'decode'] as const) {
    app.options(`/api/codec/${direction}`, async (request, reply) => {
      allowUiOrigin(ctx, request, reply);
      return reply.code(204).send();
    });
    app.post(
      `/api/codec/${direction}`,
      {
        config: {
          doc: {
            summary: `${direction === 'encode' ? 'Encrypt' : 'Decrypt'} Temporal payloads for the Web UI's codec server setting`,
            auth: 'session',
            roles: ['admin'],
            csrf: false,
            body: payloadsSchema,
            example: 'codec.json',
            ok: { status: 200, schema: payloadsSchema },
            refusals: [400, 401, 403],
          },
        },
      },
      async (request, reply) => {
        allowUiOrigin(ctx, request, reply);
        // Only a signed-in administrator; no CSRF token, as nothing changes and CORS keeps answers from other sites.
        ctx.auth.require(request, ['admin'], { csrf: false });
        const { payloads } = parseInput(payloadsSchema, request.body);
        const out = await codec[direction](payloads.map(fromJson));
        return { payloads: out.map(toJson) };
      },
    );
  }
}
