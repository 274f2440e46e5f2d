// The vendor's JSON API, authenticated by the emailed link's token alone (no account, no cookie).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as apiAnswers from '../api-answers';
import { VENDOR_ACTIONS, type VendorAction } from '../../actions/registry';
import { DispositionError } from '../../domain/errors';
import { fileIdSchema, tokenSchema } from '../../domain/ids';
import { actionUpdate } from '../../workflows/messages';
import type { VendorUpdate } from '../../client/case-service';
import { vendorTaskView } from '../../presentation/vendor-task';
import { ACTION_OK, type RouteDoc } from '../openapi';
import type { ServerContext } from '../server-context';
import { stageUpload } from '../uploads';
import { parseInput } from '../../domain/parse-input';
import { openVendorLink, requireReturnTask } from '../vendor-links';
import { checkSignatory, type Requester } from '../signatory-check';
import { problemsRefusal } from '../../domain/messages';

/** Who sent a request, as the signatory check records it. */
export const requesterOf = (request: FastifyRequest): Requester => ({
  ip: request.ip,
  userAgent: String(request.headers['user-agent'] ?? ''),
});

/** The 202 of the signatory check: nothing was certified yet. */
export const isVerificationSent = (result: object): result is { status: 'verification_sent'; message: string } =>
  (result as { status?: unknown }).status === 'verification_sent';

const tokenParams = z.object({ token: tokenSchema });
const fileParams = tokenParams.extend({ fileId: fileIdSchema });

export function registerVendorApi(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/vendor/:token',
    {
      config: {
        doc: {
          summary: 'The open task of a vendor link',
          auth: 'token',
          ok: { status: 200, description: 'the task', content: 'application/json' },
          refusals: [400, 403, 410],
        },
      },
    },
    async (request, reply) => {
      const { token } = parseInput(tokenParams, request.params, 'path');
      const { record, claims } = await openVendorLink(ctx, token);
      const staged = claims.task === 'return' ? await ctx.storage.listStaged(record.caseId) : [];
      return reply
        .header('Cache-Control', 'no-store')
        .send(vendorTaskView(record, ctx.config.districtName, staged, claims));
    },
  );

  app.post(
    '/api/vendor/:token/files',
    {
      config: {
        doc: {
          summary: 'Stage one file (multipart: field "category", then "file")',
          auth: 'token',
          body: 'multipart-upload',
          ok: {
            status: 201,
            schema: apiAnswers.stagedFileResponseSchema,
            alsoStatus: {
              status: 200,
              description: 'the same file was already staged: what is staged, with alreadyStaged',
            },
          },
          refusals: [400, 403, 409, 410, 413, 415],
        },
      },
    },
    async (request, reply) => {
      const { token } = parseInput(tokenParams, request.params, 'path');
      const { file, created } = await stageUpload(ctx, request, token);
      return reply.code(created ? 201 : 200).send(file);
    },
  );

  app.delete(
    '/api/vendor/:token/files/:fileId',
    {
      config: {
        doc: {
          summary: 'Drop a staged file before submitting',
          auth: 'token',
          ok: {
            status: 200,
            schema: z.object({ fileId: z.string(), removed: z.boolean(), alreadyDone: z.boolean().optional() }),
          },
          refusals: [400, 403, 409, 410],
        },
      },
    },
    async (request) => {
      const { token, fileId } = parseInput(fileParams, request.params, 'path');
      const { record } = await requireReturnTask(ctx, token);
      const removed = await ctx.storage.removeStaged(record.caseId, fileId);
      return { fileId, removed, ...(removed ? {} : { alreadyDone: true }) };
    },
  );

  // Every vendor action as declared (actions/registry.ts), authenticated by the link's token alone.
  for (const action of Object.values(VENDOR_ACTIONS) as VendorAction[]) {
    const ok: RouteDoc['ok'] = action.signatory
      ? {
          ...ACTION_OK,
          status: 200,
          alsoStatus: {
            status: 202,
            description:
              'not certified yet: a 6-digit code was emailed to the signatory; send the same body again with verificationCode',
            schema: apiAnswers.verificationSentSchema,
          },
        }
      : { ...ACTION_OK, status: action.status ?? 200 };
    const doc: RouteDoc = {
      summary: action.summary,
      auth: 'token',
      ...(action.body ? { body: action.body, example: action.example ?? `${action.path}.json` } : {}),
      ...(action.bodyDoc ? { bodyDoc: action.bodyDoc } : {}),
      ok,
      refusals: [400, 403, 409, 410, 503],
    };
    app.post(`/api/vendor/:token/${action.path}`, { config: { doc } }, async (request, reply) => {
      const { token } = parseInput(tokenParams, request.params, 'path');
      const result = await takeVendorAction(ctx, action, token, request.body, requesterOf(request));
      return reply.code(isVerificationSent(result) ? 202 : (action.status ?? 200)).send(result);
    });
  }
}

/**
 * A vendor action through its link: the body checked against its declaration, the payload made from it (with
 * the staged set, read from storage here, when the action submits the return), then sent to the workflow.
 */
export async function takeVendorAction(
  ctx: ServerContext,
  action: VendorAction,
  token: string,
  raw: unknown,
  requester: Requester,
) {
  const body: unknown = action.body ? parseInput(action.body, raw) : {};
  const payload = action.payload(body);
  const update = actionUpdate(action.update as VendorUpdate['name']) as VendorUpdate;
  if (action.signatory) {
    // A repeat after the task closed goes straight to the workflow, which answers with the first result; so does a
    // link for another task, which it refuses. Only a certification that can be taken waits for the code.
    // The record is read once here and handed on (the signatory's mail, the workflow call).
    const { check, record } = await ctx.service.readLink(token);
    if (check.valid && check.claims!.task === action.task) {
      // Everything the case's state refuses in the body is found now, before a code is mailed and typed.
      const problems = action.problems && record ? action.problems(record.state, body, Date.now()) : [];
      if (problems.length) throw problemsRefusal(problems);
      const { email, code } = action.signatory(body);
      const gate = await checkSignatory(ctx, check.claims!, email, code, requester, record);
      if ('sent' in gate) return gate.sent;
      return ctx.service.vendorActionByLink(token, update, { ...payload, signatoryCheck: gate.verified }, undefined, {
        record,
      });
    }
  }
  if (!action.withStagedFiles)
    return ctx.service.vendorActionByLink(token, update, payload, action.updateSuffix?.(payload));
  const { check, record } = await ctx.service.readLink(token);
  // A repeat after the task closed goes straight to the workflow, which answers with the first result.
  const caseId = check.claims?.caseId;
  const files =
    caseId && check.valid
      ? (await ctx.storage.listStaged(caseId)).map(({ stagedAt: _s, caseId: _c, ...ref }) => ref)
      : [];
  if (check.valid && files.length === 0)
    throw new DispositionError('invalid_payload', 'Stage at least one file before submitting the return.');
  return ctx.service.vendorActionByLink(token, update, { ...payload, files }, undefined, { record });
}
