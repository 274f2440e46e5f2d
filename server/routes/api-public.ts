// Routes for anyone: health, the OpenAPI document, sign-in, statement look-up and verification.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../domain/api';
import * as apiAnswers from '../api-answers';
import { DispositionError } from '../../domain/errors';
import { statementIdSchema } from '../../domain/ids';
import { ROLES } from '../../domain/statuses';
import { statementView } from '../../client/case-views';
import { Readable } from 'node:stream';
import {
  digestStatement,
  STATEMENT_MAX_BYTES,
  StatementTooLargeError,
  verifyStatementDigest,
  type StatementDigest,
} from '../../client/statement-verification';
import { discardRestOfBody } from '../uploads';
import { buildOpenApi } from '../openapi';
import type { ServerContext } from '../server-context';
import { malformedMultipart } from '../uploads';
import { parseInput } from '../../domain/parse-input';
import { certificateSummary, districtCertificates, toPem } from '../../infra/statement/signing-certificate';

const statementParams = z.object({ statementId: statementIdSchema });
const signedIn = z.object({ user: z.object({ username: z.string(), role: z.enum(ROLES) }), csrfToken: z.string() });

const readySchema = z.object({
  status: z.literal('ready'),
  database: z.literal('ok'),
  storage: z.literal('ok'),
  temporal: z.literal('ok'),
});

/** Within `ms`, or the reason it did not answer. */
async function answers(ms: number, probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms))),
    ]);
    return 'ok';
  } catch (err) {
    return `does not answer: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Each service the server needs, checked at once. */
async function readiness(ctx: ServerContext): Promise<{ database: string; storage: string; temporal: string }> {
  const [database, storage, temporal] = await Promise.all([
    answers(3_000, () => ctx.users.countUsers()),
    answers(3_000, () => ctx.storage.checkReachable()),
    answers(3_000, () =>
      ctx.client.withDeadline(Date.now() + 3_000, () => ctx.client.workflowService.getSystemInfo({})),
    ),
  ]);
  return { database, storage, temporal };
}

export function registerPublicApi(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/health',
    {
      config: {
        doc: {
          summary:
            'Liveness: the server answers (a probe that restarts it when this fails); /api/ready says whether it can work',
          auth: 'none',
          ok: { status: 200, schema: z.object({ status: z.literal('ok') }) },
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/ready',
    {
      config: {
        doc: {
          summary: 'Readiness: the database, the file storage and Temporal all answer (each checked within 3 s)',
          auth: 'none',
          ok: { status: 200, schema: readySchema },
          refusals: [503],
        },
      },
    },
    async (_request, reply) => {
      const checks = await readiness(ctx);
      const failing = (Object.keys(checks) as (keyof typeof checks)[]).filter((part) => checks[part] !== 'ok');
      if (failing.length === 0) return { status: 'ready' as const, ...checks };
      return reply.code(503).send({
        error: {
          code: `${failing[0]!}_unavailable`,
          message: `not ready: ${failing.map((part) => `the ${part} ${checks[part]}`).join('; ')}`,
          details: checks,
        },
      });
    },
  );

  // Made on the first request, when every route is registered.
  let openapi: Record<string, unknown> | undefined;
  app.get(
    '/api/openapi.json',
    {
      config: {
        doc: {
          summary: 'This document',
          auth: 'none',
          ok: { status: 200, description: 'OpenAPI 3.1', content: 'application/json' },
        },
      },
    },
    async () => (openapi ??= buildOpenApi(ctx.config.publicUrl, ctx.routes)),
  );

  app.post(
    '/api/auth/login',
    {
      config: {
        doc: {
          summary: 'Sign in: sets the session cookie, returns the CSRF token',
          auth: 'none',
          body: api.loginBodySchema,
          example: 'login.json',
          ok: { status: 200, schema: signedIn },
          refusals: [400, 401, 429],
        },
      },
    },
    async (request, reply) => {
      const body = parseInput(api.loginBodySchema, request.body);
      return ctx.auth.login(body.username, body.password, reply);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: {
        doc: {
          summary: 'End the session',
          auth: 'session',
          ok: { status: 204, description: 'signed out' },
          refusals: [401, 403],
        },
      },
    },
    async (request, reply) => {
      if (!request.session) throw new DispositionError('unauthorized', 'not signed in');
      ctx.auth.require(request, ['admin', 'legal']);
      await ctx.auth.logout(request, reply);
      return reply.code(204).send();
    },
  );

  // Anyone checking a statement away from this server compares its signer with these (old ones stay listed).
  app.get(
    '/api/statements/certificate',
    {
      config: {
        doc: {
          summary:
            "The district's statement-signing certificates (PEM): the one signing now first, then older ones that signed earlier statements",
          auth: 'none',
          ok: {
            status: 200,
            content: 'application/pem-certificate-chain',
            description: 'PEM certificates, each after a line naming its subject, fingerprint and validity',
          },
          refusals: [429],
        },
      },
    },
    async (_request, reply) => {
      const pem = districtCertificates(ctx.config, ctx.keyring)
        .map((certificate) => `${certificateSummary(certificate)}${toPem(Buffer.from(certificate.raw))}`)
        .join('\n');
      return reply
        .type('application/pem-certificate-chain')
        .header('content-disposition', 'inline; filename="statement-signing-certificates.pem"')
        .send(pem);
    },
  );

  app.get(
    '/api/statements/:statementId',
    {
      config: {
        doc: {
          summary: 'Look up an issued statement',
          auth: 'none',
          ok: { status: 200, schema: apiAnswers.statementResponseSchema },
          refusals: [400, 404, 429],
        },
      },
    },
    async (request) => {
      const { statementId } = parseInput(statementParams, request.params, 'path');
      const statement = await ctx.records.getStatement(statementId);
      if (!statement) throw new DispositionError('not_found', `no statement ${statementId} was issued here`);
      return statementView(statement);
    },
  );

  // Always 200: the answer is the verdict, and a file that is not a statement is simply not valid.
  app.post(
    '/api/statements/verify',
    {
      config: {
        doc: {
          summary: 'Is this PDF a genuine, untouched statement? (the file is read as it streams, up to 64 MiB)',
          auth: 'none',
          body: 'pdf',
          ok: { status: 200, schema: apiAnswers.verifyResponseSchema },
          refusals: [413, 429],
        },
      },
    },
    async (request) => {
      try {
        return await verifyStatementDigest(await statementDigest(request), ctx.records, ctx.keyring);
      } catch (err) {
        if (err instanceof DispositionError && err.code !== 'too_large') return { valid: false, reason: err.message };
        throw err;
      }
    },
  );
}

/**
 * The PDF as the body (`application/pdf`), or a multipart field `file`, hashed as it streams: a verification
 * holds no file in memory, and stops reading past the size of any statement (413).
 */
export async function statementDigest(request: import('fastify').FastifyRequest): Promise<StatementDigest> {
  try {
    if (request.body instanceof Readable) return await digestStatement(request.body);
    if (request.isMultipart()) {
      try {
        for await (const part of request.parts({ limits: { fileSize: STATEMENT_MAX_BYTES + 1, files: 1 } })) {
          if (part.type === 'file' && part.fieldname === 'file') return await digestStatement(part.file);
          if (part.type === 'file') part.file.resume();
        }
      } catch (err) {
        if (err instanceof StatementTooLargeError) throw err;
        throw malformedMultipart(err) ?? err;
      }
      throw new DispositionError('invalid_payload', 'Choose the statement PDF to check (the field "file").', [
        { field: 'file', message: 'required' },
      ]);
    }
  } catch (err) {
    if (!(err instanceof StatementTooLargeError)) throw err;
    discardRestOfBody(request, STATEMENT_MAX_BYTES);
    throw new DispositionError('too_large', err.message);
  }
  throw new DispositionError(
    'unsupported_media_type',
    'send the PDF as application/pdf, or as multipart/form-data field "file"',
  );
}
