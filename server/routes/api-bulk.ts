// Bulk starts over the API: a CSV of contracts, checked (?dryRun=true) or started, then followed to the end.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as apiAnswers from '../api-answers';
import { bulkIdSchema } from '../../domain/ids';
import { BulkStarts } from '../../client/bulk-start';
import { actorOf } from '../auth';
import { BULK_FILE_MAX_BYTES, csvBodyParser, readBulkUpload } from '../whole-uploads';
import type { ServerContext } from '../server-context';
import { parseInput } from '../../domain/parse-input';

export const bulkParams = z.object({ bulkId: bulkIdSchema });

export const bulkStartsOf = (ctx: ServerContext): BulkStarts =>
  new BulkStarts(async () => ctx.client, ctx.bulk, ctx.config);

export function registerBulkApi(app: FastifyInstance, ctx: ServerContext): void {
  const { auth } = ctx;
  const bulk = bulkStartsOf(ctx);
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: BULK_FILE_MAX_BYTES }, csvBodyParser);

  app.post(
    '/api/cases/bulk',
    {
      bodyLimit: BULK_FILE_MAX_BYTES + 64 * 1024,
      config: {
        doc: {
          summary:
            'Start a case for each row of a CSV file (text/csv, or the field "file"); ?dryRun=true checks every row and starts nothing',
          auth: 'session',
          roles: ['admin'],
          body: 'csv',
          example: 'bulk.csv',
          query: apiAnswers.bulkQuerySchema,
          ok: {
            status: 202,
            schema: apiAnswers.bulkViewSchema,
            description: 'the bulk start, running (Location: its progress)',
            alsoStatus: {
              status: 200,
              description: 'a dry run: what the file would start, and every refused row',
              schema: apiAnswers.bulkCheckSchema,
            },
          },
          refusals: [400, 401, 403, 413, 415, 503],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin'], { csrf: false }); // who asks, before a byte of the file is read
      const upload = await readBulkUpload(request);
      const session = auth.require(
        request,
        ['admin'],
        upload.fields._csrf !== undefined ? { token: upload.fields._csrf } : {},
      );
      const query = parseInput(apiAnswers.bulkQuerySchema, request.query, 'query');
      if (query.dryRun === 'true' || upload.fields.dryRun === 'true') return bulk.check(upload.text);
      const run = await bulk.begin(upload.text, upload.fileName, actorOf(session));
      return reply.code(202).header('Location', `/api/bulk/${run.bulkId}`).send(run);
    },
  );

  app.get(
    '/api/bulk/:bulkId',
    {
      config: {
        doc: {
          summary:
            "A bulk start: each row's outcome (started, already started, refused, pending) and the case it started",
          auth: 'session',
          roles: ['admin'],
          ok: { status: 200, schema: apiAnswers.bulkViewSchema },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      auth.require(request, ['admin']);
      const { bulkId } = parseInput(bulkParams, request.params, 'path');
      return bulk.view(bulkId);
    },
  );
}
