// The vendor's JSON API, authenticated by the emailed link's token alone (no account, no cookie).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../../domain/api';
import { DispositionError } from '../../../domain/errors';
import * as messages from '../../../workflows/messages';
import { vendorTaskView } from '../../vendor-task';
import type { ServerContext } from '../server-context';
import { stageUpload } from '../uploads';
import { parseInput } from '../validate';
import { openVendorLink, requireReturnTask } from '../vendor-links';

const tokenParams = z.object({ token: z.string().min(1).max(1000) });
const fileParams = tokenParams.extend({ fileId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'is not a file id') });

export function registerVendorApi(app: FastifyInstance, ctx: ServerContext): void {
  const { service } = ctx;

  app.get('/api/vendor/:token', async (request, reply) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    const { record } = await openVendorLink(ctx, token);
    const staged = record.openTask?.kind === 'return' ? await ctx.storage.listStaged(record.caseId) : [];
    return reply.header('Cache-Control', 'no-store').send(vendorTaskView(record, ctx.config.districtName, staged));
  });

  app.post('/api/vendor/:token/acknowledge', async (request) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    return service.vendorActionByLink(token, messages.acknowledgeNotice, parseInput(api.acknowledgeBodySchema, request.body));
  });

  app.post('/api/vendor/:token/files', async (request, reply) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    const { file, created } = await stageUpload(ctx, request, token);
    return reply.code(created ? 201 : 200).send(file);
  });

  app.delete('/api/vendor/:token/files/:fileId', async (request) => {
    const { token, fileId } = parseInput(fileParams, request.params, 'path');
    const { record } = await requireReturnTask(ctx, token);
    const removed = await ctx.storage.removeStaged(record.caseId, fileId);
    return { fileId, removed, ...(removed ? {} : { alreadyDone: true }) };
  });

  app.post('/api/vendor/:token/submit-return', async (request, reply) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    const body = parseInput(api.submitReturnBodySchema, request.body);
    return reply.code(202).send(await submitReturn(ctx, token, body));
  });

  app.post('/api/vendor/:token/certify', async (request) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    return service.vendorActionByLink(token, messages.certify, { certification: parseInput(api.certifyBodySchema, request.body) });
  });

  app.post('/api/vendor/:token/backup-rolloff', async (request) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    return service.vendorActionByLink(token, messages.confirmBackupRolloff, parseInput(api.backupRolloffBodySchema, request.body));
  });
}

/** The staged set, read from storage here, is what the package is built from. */
export async function submitReturn(ctx: ServerContext, token: string, body: { note?: string | undefined }) {
  const check = await ctx.service.checkLink(token);
  // A repeat after the task closed goes straight to the workflow, which answers with the first result.
  const caseId = check.claims?.caseId;
  const files = caseId && check.valid ? (await ctx.storage.listStaged(caseId)).map(({ stagedAt: _s, caseId: _c, ...ref }) => ref) : [];
  if (check.valid && files.length === 0) throw new DispositionError('invalid_payload', 'files: stage at least one file before submitting the return');
  return ctx.service.vendorActionByLink(token, messages.submitReturn, { ...(body.note ? { note: body.note } : {}), files });
}
