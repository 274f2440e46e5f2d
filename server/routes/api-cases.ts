// The district's JSON API: start, list, read and steer cases; download returned data and statements.
import { readWholeUpload, uploadWords } from '../whole-uploads';
import { enforcementStage } from '../../domain/enforcement';
import { referralLetterContent } from '../../infra/statement/referral-letter';
import { renderStatementOffThread } from '../../infra/statement/statement-renderer';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../domain/api';
import * as apiAnswers from '../api-answers';
import { STAFF_ACTIONS, type StaffAction, type StaffActionName } from '../../actions/registry';
import { caseInputSchema } from '../../domain/case-input';
import { DispositionError } from '../../domain/errors';
import { caseIdSchema } from '../../domain/ids';
import { STATUS_LABELS } from '../../domain/statuses';
import { toCsv } from '../../domain/csv';
import { correspondenceZip } from '../../client/correspondence';
import { caseDetails, caseListItem } from '../../client/case-views';
import { actorOf } from '../auth';
import { ACTION_OK, type RouteDoc } from '../openapi';
import type { ServerContext } from '../server-context';
import { BadCursorError, type CasePage } from '../../infra/database/case-record-store';
import { parseInput } from '../../domain/parse-input';
import { asSentence } from '../../domain/text';

/** `?format=csv` for the missing students as a file. */
const rosterMissingQuerySchema = z.object({ format: z.enum(['json', 'csv']).optional() });

const caseParams = z.object({ caseId: caseIdSchema });

export async function downloadablePackage(ctx: ServerContext, caseId: string) {
  const record = await ctx.service.getCase(caseId);
  // The accepted package, or the one waiting for review; never one that was rejected (it is destroyed).
  const round = [...record.returnPackages]
    .reverse()
    .find((r) => r.packageId && r.zipSha256 && r.decision?.decision !== 'reject');
  if (!round) throw new DispositionError('not_found', 'this case holds no return package');
  return { record, round };
}

/** One page of the case list as the query asks; a cursor that is not ours is a 400 naming it. */
export async function listPage(ctx: ServerContext, query: z.infer<typeof api.caseListQuerySchema>): Promise<CasePage> {
  const filter = {
    ...(query.status ? { status: query.status } : {}),
    ...(query.vendor ? { vendor: query.vendor } : {}),
    ...(query.overdue ? { overdue: query.overdue === 'true' } : {}),
    ...(query.enforcement ? { enforcement: query.enforcement } : {}),
  };
  try {
    return await ctx.records.pageCases(filter, {
      limit: query.limit,
      sort: query.sort,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  } catch (err) {
    if (err instanceof BadCursorError)
      throw new DispositionError('invalid_payload', err.message, [
        { field: 'cursor', message: 'not one this list gave' },
      ]);
    throw err;
  }
}

/** Every case the filters select, in the order asked, a page of 500 at a time from the record. */
async function casesCsv(ctx: ServerContext, query: z.infer<typeof api.caseListQuerySchema>): Promise<string> {
  const { cursor: _from, ...whole } = query; // the whole list, whatever page the query was on
  const rows: unknown[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listPage(ctx, { ...whole, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const c of page.cases.map(caseListItem))
      rows.push([
        c.caseId,
        c.vendorName,
        c.contractId,
        c.status,
        STATUS_LABELS[c.status],
        c.overdue ? 'yes' : 'no',
        c.dueAt ?? '',
        c.daysLeft ?? '',
        c.enforcement,
        c.createdAt,
      ]);
    cursor = page.nextCursor;
  } while (cursor);
  return toCsv(
    [
      'case_id',
      'vendor',
      'contract',
      'status',
      'status_label',
      'overdue',
      'due_at',
      'days_left',
      'enforcement',
      'created_at',
    ],
    rows,
  );
}

/** The dashboard: the record's counts, and the open cases due soonest. */
export async function dashboard(ctx: ServerContext, now = Date.now()) {
  const [counts, { cases }] = await Promise.all([
    ctx.records.dashboard(now),
    ctx.records.pageCases({}, { limit: 8, sort: 'due' }),
  ]);
  return { ...counts, urgent: cases.filter((c) => c.dueAt !== undefined).map(caseListItem) };
}

export function registerCaseApi(app: FastifyInstance, ctx: ServerContext): void {
  const { auth, service } = ctx;

  app.post(
    '/api/cases',
    {
      config: {
        doc: {
          summary: 'Start a case',
          auth: 'session',
          roles: ['admin'],
          body: caseInputSchema,
          bodyDoc: caseInputSchema.and(
            z.object({
              allowDuplicate: z
                .boolean()
                .optional()
                .describe(
                  "Start it although the vendor's contract has an open case (refused with 409 duplicate_case otherwise)",
                ),
            }),
          ),
          example: 'case.json',
          ok: { status: 201, schema: z.object({ caseId: z.string(), status: z.string() }) },
          refusals: [400, 401, 403, 409, 503],
        },
      },
    },
    async (request, reply) => {
      const session = auth.require(request, ['admin']);
      const { _csrf: _, ...body } = (request.body ?? {}) as Record<string, unknown>;
      try {
        return reply.code(201).send(await service.startCase(body, actorOf(session)));
      } catch (err) {
        if (err instanceof DispositionError && err.code === 'duplicate_case')
          throw new DispositionError(
            err.code,
            `${asSentence(err.message)} To start it all the same, send "allowDuplicate": true.`,
            err.details,
          );
        throw err;
      }
    },
  );

  app.get(
    '/api/cases',
    {
      config: {
        doc: {
          summary: 'List cases from the case record',
          auth: 'session',
          roles: ['admin', 'legal'],
          query: api.caseListQuerySchema,
          ok: { status: 200, schema: apiAnswers.caseListResponseSchema, content: ['application/json', 'text/csv'] },
          refusals: [400, 401, 403],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin', 'legal']);
      const query = parseInput(api.caseListQuerySchema, request.query, 'query');
      if (query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="cases.csv"')
          .send(await casesCsv(ctx, query));
      }
      const { cases, nextCursor } = await listPage(ctx, query);
      return { cases: cases.map(caseListItem), ...(nextCursor ? { nextCursor } : {}) };
    },
  );

  app.get(
    '/api/dashboard',
    {
      config: {
        doc: {
          summary:
            'Counts by status, overdue, due this week, completed this month, twelve months opened and closed, and the most urgent cases',
          auth: 'session',
          roles: ['admin', 'legal'],
          ok: { status: 200, schema: apiAnswers.dashboardResponseSchema },
          refusals: [401, 403],
        },
      },
    },
    async (request) => {
      auth.require(request, ['admin', 'legal']);
      return dashboard(ctx);
    },
  );

  app.get(
    '/api/cases/:caseId',
    {
      config: {
        doc: {
          summary: 'A case: tasks, timeline, return package, certification, statement, legal hold',
          auth: 'session',
          roles: ['admin', 'legal'],
          ok: { status: 200, description: 'the case', content: 'application/json' },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      auth.require(request, ['admin', 'legal']);
      const { caseId } = parseInput(caseParams, request.params, 'path');
      return caseDetails(await service.getCase(caseId));
    },
  );

  // Every staff action as declared (actions/registry.ts): its route, its document entry, the roles it needs.
  for (const [name, action] of Object.entries(STAFF_ACTIONS) as [StaffActionName, StaffAction][]) {
    const doc: RouteDoc = {
      summary: action.summary,
      auth: 'session',
      roles: action.roles,
      ...(action.upload
        ? { body: 'multipart-file' as const }
        : action.body
          ? { body: action.body, example: action.example ?? `${action.path.split('/')[0]}.json` }
          : {}),
      ok: ACTION_OK,
      refusals: action.upload ? [400, 401, 403, 404, 409, 413, 415, 503] : [400, 401, 403, 404, 409, 503],
    };
    const upload = action.upload;
    if (upload) {
      app.post(
        `/api/cases/:caseId/${action.path}`,
        { bodyLimit: upload.maxBytes + 64 * 1024, config: { doc } },
        async (request) => {
          auth.require(request, action.roles, { csrf: false }); // who asks, before a byte of the file is read
          const { caseId, ...params } = request.params as Record<string, string>;
          const id = parseInput(caseParams, { caseId }, 'path').caseId;
          const { file, fields } = await readWholeUpload(request, uploadWords(upload));
          const session = auth.require(
            request,
            action.roles,
            fields._csrf !== undefined ? { token: fields._csrf } : {},
          );
          return service.perform(name, id, fields, actorOf(session), params, file);
        },
      );
      continue;
    }
    app.post(`/api/cases/:caseId/${action.path}`, { config: { doc } }, async (request) => {
      const session = auth.require(request, action.roles);
      const { caseId, ...params } = request.params as Record<string, string>;
      return service.perform(
        name,
        parseInput(caseParams, { caseId }, 'path').caseId,
        request.body,
        actorOf(session),
        params,
      );
    });
  }

  app.get(
    '/api/cases/:caseId/roster/missing',
    {
      config: {
        doc: {
          summary:
            "The roster's students missing from the latest return packaged against it: student data, for administrators",
          auth: 'session',
          roles: ['admin'],
          query: rosterMissingQuerySchema,
          ok: {
            status: 200,
            content: ['application/json', 'text/csv'],
            description:
              'format=json (the default): {caseId, round, students, returned, missing: [{sourcedId, identifier}]}; format=csv: each missing student with the name the roster gives',
          },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin']); // the roster is student data: administrators only, each read logged
      const { caseId } = parseInput(caseParams, request.params, 'path');
      const query = parseInput(rosterMissingQuerySchema, request.query, 'query');
      const found = await service.missingStudents(caseId);
      if (query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', `attachment; filename="${caseId}-missing-students.csv"`)
          .send(
            toCsv(
              ['sourcedId', 'identifier', 'userMasterIdentifier', 'name'],
              found.missing.map((s) => [s.sourcedId, s.identifier, s.userMasterIdentifier ?? '', s.name]),
            ),
          );
      return {
        caseId,
        round: found.round,
        students: found.students,
        returned: found.returned,
        missing: found.missing.map((s) => ({ sourcedId: s.sourcedId, identifier: s.identifier })),
      };
    },
  );

  app.get(
    '/api/cases/:caseId/return-package',
    {
      config: {
        doc: {
          summary: 'The returned data as a ZIP (header X-Content-SHA256)',
          auth: 'session',
          roles: ['admin'],
          ok: { status: 200, content: 'application/zip', description: 'the ZIP' },
          refusals: [401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin']); // nobody but an administrator downloads returned data
      const { caseId } = parseInput(caseParams, request.params, 'path');
      const { record, round } = await downloadablePackage(ctx, caseId);
      const retention = record.state.retention;
      if (retention?.destroyedAt && retention.packageId === round.packageId) {
        throw new DispositionError(
          'not_found',
          `the returned data was destroyed at the end of its retention period, on ${new Date(retention.destroyedAt).toISOString()}`,
        );
      }
      if (!(await ctx.storage.getPackage(record.caseId, round.packageId!)))
        throw new DispositionError('not_found', 'the return package is no longer stored');
      const stream = ctx.storage.openPackage(record.caseId, round.packageId!);
      return reply
        .header('Content-Type', 'application/zip')
        .header('Content-Disposition', `attachment; filename="return-${record.caseId}-round-${round.round}.zip"`)
        .header('X-Content-SHA256', round.zipSha256!)
        .header('Cache-Control', 'no-store')
        .send(stream);
    },
  );

  app.get(
    '/api/cases/:caseId/correspondence',
    {
      config: {
        doc: {
          summary: 'Every message sent for the case, as .eml files, with an index in CSV and JSON (a ZIP)',
          auth: 'session',
          roles: ['admin', 'legal'],
          ok: { status: 200, content: 'application/zip', description: 'the ZIP' },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin', 'legal']);
      const { caseId } = parseInput(caseParams, request.params, 'path');
      await service.getCase(caseId); // a 404 for a case that does not exist
      const zip = await correspondenceZip(caseId, await ctx.records.listMessages(caseId));
      return reply
        .type('application/zip')
        .header('Content-Disposition', `attachment; filename="correspondence-${caseId}.zip"`)
        .send(zip);
    },
  );

  app.get(
    '/api/cases/:caseId/statement',
    {
      config: {
        doc: {
          summary: 'The final statement',
          auth: 'session',
          roles: ['admin', 'legal'],
          ok: { status: 200, content: 'application/pdf', description: 'the PDF' },
          refusals: [401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin', 'legal']);
      const { caseId } = parseInput(caseParams, request.params, 'path');
      const statement = (await service.getCase(caseId)).state.statement;
      if (!statement) throw new DispositionError('not_found', 'this case has no statement yet');
      const pdf = await ctx.storage.readStatement(statement.statementId);
      if (!pdf) throw new DispositionError('not_found', 'the statement is recorded but its file is missing');
      return reply
        .header('Content-Type', 'application/pdf')
        .header('Content-Disposition', `attachment; filename="statement-${statement.statementId}.pdf"`)
        .header('X-Content-SHA256', statement.sha256)
        .send(pdf);
    },
  );

  app.get(
    '/api/cases/:caseId/referral-letter',
    {
      config: {
        doc: {
          summary:
            'The referral letter of a case referred to legal: its history to date (the one emailed to legal staff is in the correspondence file)',
          auth: 'session',
          roles: ['admin', 'legal'],
          ok: { status: 200, content: 'application/pdf', description: 'the PDF' },
          refusals: [401, 403, 404],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, ['admin', 'legal']);
      const { caseId } = parseInput(caseParams, request.params, 'path');
      const { state } = await service.getCase(caseId);
      if (enforcementStage(state) !== 'referred_to_legal')
        throw new DispositionError('not_found', 'this case has not been referred to legal');
      const pdf = await renderStatementOffThread(referralLetterContent(state, ctx.config, Date.now()));
      return reply
        .header('Content-Type', 'application/pdf')
        .header('Content-Disposition', `attachment; filename="referral-${caseId}.pdf"`)
        .send(pdf);
    },
  );
}
