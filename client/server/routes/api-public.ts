// Routes for anyone: health, the OpenAPI document, sign-in, statement look-up and verification.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../../domain/api';
import { DispositionError } from '../../../domain/errors';
import { statementView } from '../../case-views';
import { verifyStatementPdf } from '../../statement-verification';
import { buildOpenApi } from '../openapi';
import type { ServerContext } from '../server-context';
import { malformedMultipart } from '../uploads';
import { parseInput } from '../validate';

const statementParams = z.object({ statementId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'is not a statement id') });

export function registerPublicApi(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/health', async (_request, reply) => {
    try {
      await ctx.client.withDeadline(Date.now() + 3_000, () => ctx.client.workflowService.getSystemInfo({}));
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ error: { code: 'temporal_unavailable', message: 'the server cannot reach Temporal' } });
    }
  });

  const openapi = buildOpenApi(ctx.config.publicUrl);
  app.get('/api/openapi.json', async () => openapi);

  app.post('/api/auth/login', async (request, reply) => {
    const body = parseInput(api.loginBodySchema, request.body);
    return ctx.auth.login(body.username, body.password, reply);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    if (!request.session) throw new DispositionError('unauthorized', 'not signed in');
    ctx.auth.require(request, ['admin', 'legal']);
    await ctx.auth.logout(request, reply);
    return reply.code(204).send();
  });

  app.get('/api/statements/:statementId', async (request) => {
    const { statementId } = parseInput(statementParams, request.params, 'path');
    const statement = await ctx.records.getStatement(statementId);
    if (!statement) throw new DispositionError('not_found', `no statement ${statementId} was issued here`);
    return statementView(statement);
  });

  // Always 200: the answer is the verdict, and a file that is not a statement is simply not valid.
  app.post('/api/statements/verify', async (request) => {
    try {
      return await verifyStatementPdf(await statementBytes(request), ctx.records, ctx.keyring);
    } catch (err) {
      if (err instanceof DispositionError) return { valid: false, reason: err.message };
      throw err;
    }
  });
}

/** The PDF as the body (`application/pdf`), or a multipart field `file`. */
export async function statementBytes(request: import('fastify').FastifyRequest): Promise<Buffer> {
  if (Buffer.isBuffer(request.body)) return request.body;
  if (request.isMultipart()) {
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file' && part.fieldname === 'file') return await part.toBuffer();
        if (part.type === 'file') part.file.resume();
      }
    } catch (err) {
      throw malformedMultipart(err) ?? err;
    }
    throw new DispositionError('invalid_payload', 'file: send the statement PDF in the field "file"', [{ field: 'file', message: 'required' }]);
  }
  throw new DispositionError('unsupported_media_type', 'send the PDF as application/pdf, or as multipart/form-data field "file"');
}
