// The vendor's pages behind an emailed link, and the public verification page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { VENDOR_ACTIONS, type VendorAction } from '../../actions/registry';
import { DispositionError, ERROR_CODES } from '../../domain/errors';
import { fileIdSchema, isStatementId, tokenSchema } from '../../domain/ids';
import { verifyLinkToken } from '../../infra/keys/link-tokens';
import { statementView } from '../../client/case-views';
import { verifyStatementDigest } from '../../client/statement-verification';
import { vendorTaskView } from '../../presentation/vendor-task';
import { fieldErrors, formValues, type Form } from '../../presentation/forms';
import { outcomeQuery, stagedOutcome, vendorNotice, vendorOutcome } from '../pages/action-outcomes';
import { fieldError } from '../pages/html';
import { vendorDonePage, vendorRefusedPage, vendorTaskPage } from '../pages/vendor-pages';
import { verifyPage } from '../pages/verify-page';
import type { ServerContext } from '../server-context';
import { noteRefusal } from '../security-events';
import { stageUpload } from '../uploads';
import { parseInput } from '../../domain/parse-input';
import { openVendorLink, requireReturnTask } from '../vendor-links';
import { statementDigest } from './api-public';
import { isVerificationSent, requesterOf, takeVendorAction } from './api-vendor';
import { PROJECT_ROOT } from '../../infra/project-root';

const tokenParams = z.object({ token: tokenSchema });
const STATIC_DIR = path.join(PROJECT_ROOT, 'server', 'static');
const STATIC_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

const verifyPageUser = (request: FastifyRequest) =>
  request.session
    ? { username: request.session.username, role: request.session.role, csrfToken: request.session.csrfToken }
    : undefined;

export function registerPublicPages(app: FastifyInstance, ctx: ServerContext): void {
  const page = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);

  /** Renders the task page; a refused link gets a page that says what happened and whom to ask. */
  async function taskPage(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    state: Parameters<typeof vendorTaskPage>[2] = {},
    status = 200,
  ) {
    try {
      const { record, claims } = await openVendorLink(ctx, token);
      const staged = claims.task === 'return' ? await ctx.storage.listStaged(record.caseId) : [];
      // After an upload without JavaScript (Post/Redirect/Get) the page names the file from the staged list.
      const upload = status === 200 ? stagedOutcome(request.query) : undefined;
      const file = upload && staged.find((f) => f.fileId === upload.fileId);
      const info = file
        ? upload.again
          ? `"${file.name}" was already staged.`
          : `"${file.name}" is staged (${file.bytes} bytes).`
        : status === 200
          ? vendorNotice(request.query, record.state)
          : undefined;
      // The forms of the actions any task's link may take (asking for more time), under the task's own.
      const values = state.values ?? {};
      const extra = (Object.values(VENDOR_ACTIONS) as VendorAction[])
        .filter((a) => a.task === 'any' && a.form)
        .map((a) =>
          a.form!({
            base: `/v/${token}`,
            state: record.state,
            link: { task: claims.task, sub: claims.sub },
            again: (name) => values[name] ?? '',
            problem: (name) => fieldError(state.errors ?? {}, name),
          }),
        );
      return page(
        reply,
        vendorTaskPage(token, vendorTaskView(record, ctx.config.districtName, staged, claims), {
          ...(info ? { info } : {}),
          ...state,
          extra,
        }),
        status,
      );
    } catch (err) {
      if (err instanceof DispositionError) {
        noteRefusal(request, err);
        return page(reply, vendorRefusedPage(err.message), err.code === 'link_gone' ? 410 : 403);
      }
      throw err;
    }
  }

  /**
   * What the vendor sees after an action (`?done=` from the redirect): the outcome, when the link is genuine
   * (expired is fine: the task is done) and the record shows its task done; else undefined.
   */
  async function outcomePage(
    request: FastifyRequest,
    token: string,
  ): Promise<{ title: string; text: string } | undefined> {
    if (!(request.query as Record<string, unknown> | undefined)?.done) return undefined;
    const link = verifyLinkToken(ctx.keyring, token, Date.now());
    const claims = link.ok || link.reason === 'expired' ? link.claims : undefined;
    const record = claims && (await ctx.records.getCase(claims.caseId));
    return record ? vendorOutcome(request.query, claims, record.state) : undefined;
  }

  app.get('/v/:token', async (request, reply) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    const done = await outcomePage(request, token);
    return done ? page(reply, vendorDonePage(done.title, done.text)) : taskPage(request, reply, token);
  });

  /**
   * Each vendor action's form (actions/registry.ts). Success answers 303 See Other to the link's page, which says
   * what was done (Post/Redirect/Get: a reload does not send the form again); a refusal shows the form again
   * with the reason beside it.
   */
  for (const action of Object.values(VENDOR_ACTIONS) as VendorAction[]) {
    app.post(`/v/:token/${action.path}`, async (request, reply) => {
      const { token } = parseInput(tokenParams, request.params, 'path');
      const form = (request.body ?? {}) as Form;
      const body = action.fromForm(form);
      try {
        const result = await takeVendorAction(ctx, action, token, body, requesterOf(request));
        // The signatory's code is on its way: the same form again, filled in, asking for the code.
        if (isVerificationSent(result))
          return taskPage(request, reply, token, { values: formValues(form), info: result.message, askCode: true });
        return reply.redirect(
          `/v/${encodeURIComponent(token)}${outcomeQuery(action.outcome(body), result.alreadyDone)}`,
          303,
        );
      } catch (err) {
        if (!(err instanceof DispositionError)) throw err;
        noteRefusal(request, err);
        if (err.code === 'link_refused' || err.code === 'link_gone')
          return page(reply, vendorRefusedPage(err.message), err.code === 'link_gone' ? 410 : 403);
        if (
          err.code === 'temporal_unavailable' ||
          err.code === 'mail_unavailable' ||
          err.code === 'invalid_payload' ||
          err.code === 'wrong_state' ||
          err.code === 'stale_link'
        ) {
          const errors = fieldErrors(err.details);
          return taskPage(
            request,
            reply,
            token,
            {
              values: formValues(form),
              errors,
              message: err.message,
              askCode: 'verificationCode' in errors || Boolean(formValues(form).verificationCode),
            },
            ERROR_CODES[err.code].http,
          );
        }
        throw err;
      }
    });
  }

  app.post('/v/:token/files', async (request, reply) => {
    const { token } = parseInput(tokenParams, request.params, 'path');
    try {
      const { file, created } = await stageUpload(ctx, request, token);
      return reply.redirect(
        `/v/${encodeURIComponent(token)}?staged=${encodeURIComponent(file.fileId)}${created ? '' : '&again=1'}`,
        303,
      );
    } catch (err) {
      if (err instanceof DispositionError && err.code !== 'internal') {
        noteRefusal(request, err);
        const status =
          err.code === 'too_large' ? 413 : err.code === 'link_gone' ? 410 : err.code === 'link_refused' ? 403 : 400;
        if (err.code === 'link_refused' || err.code === 'link_gone')
          return page(reply, vendorRefusedPage(err.message), status);
        return taskPage(request, reply, token, { message: `The file was not staged: ${err.message}` }, status);
      }
      throw err;
    }
  });

  app.post('/v/:token/files/:fileId/delete', async (request, reply) => {
    const { token, fileId } = parseInput(tokenParams.extend({ fileId: fileIdSchema }), request.params, 'path');
    try {
      const { record } = await requireReturnTask(ctx, token);
      await ctx.storage.removeStaged(record.caseId, fileId);
    } catch (err) {
      if (err instanceof DispositionError) {
        noteRefusal(request, err);
        return page(reply, vendorRefusedPage(err.message), err.code === 'link_gone' ? 410 : 403);
      }
      throw err;
    }
    return reply.redirect(`/v/${token}`, 303);
  });

  app.get('/verify', async (request, reply) => {
    const { statementId } = request.query as { statementId?: string };
    const user = verifyPageUser(request);
    if (!statementId) return page(reply, verifyPage(user ? { user } : {}));
    const found = isStatementId(statementId) ? await ctx.records.getStatement(statementId) : undefined;
    const lookup = found ? { ...statementView(found), issuedAt: found.issuedAt } : null;
    return page(reply, verifyPage({ ...(user ? { user } : {}), lookup, statementId }), found ? 200 : 404);
  });

  app.post('/verify', async (request, reply) => {
    let verdict;
    try {
      verdict = await verifyStatementDigest(await statementDigest(request), ctx.records, ctx.keyring);
    } catch (err) {
      if (!(err instanceof DispositionError)) throw err;
      verdict = { valid: false, reason: err.message };
    }
    const user = verifyPageUser(request); // a signed-in reader keeps their navigation after verifying
    return page(reply, verifyPage({ ...(user ? { user } : {}), verdict }));
  });

  app.get('/static/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = STATIC_TYPES[path.extname(file)];
    if (!type || !/^[a-z0-9-]+\.(css|js)$/.test(file) || !fs.existsSync(path.join(STATIC_DIR, file)))
      throw new DispositionError('not_found', 'no such file');
    return reply
      .type(type)
      .header('Cache-Control', 'public, max-age=300')
      .send(fs.createReadStream(path.join(STATIC_DIR, file)));
  });
}
