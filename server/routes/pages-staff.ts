// District staff's pages: server-rendered HTML over the same CaseService as the API.
import { SignInRefused } from '../oidc-sign-in';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as api from '../../domain/api';
import { STAFF_ACTIONS, type StaffAction, type StaffActionName } from '../../actions/registry';
import { DispositionError, ERROR_CODES } from '../../domain/errors';
import { caseIdSchema } from '../../domain/ids';
import type { Role } from '../../infra/database/user-store';
import type { CaseRecord } from '../../infra/database/case-record-store';
import { caseDetails, caseListItem } from '../../client/case-views';
import { actorOf } from '../auth';
import { fieldErrors, formValues, type Form } from '../../presentation/forms';
import { caseInputFromForm } from '../new-case-form';
import { caseOutcomeText, outcomeQuery } from '../pages/action-outcomes';
import {
  caseListPage,
  casePage,
  dashboardPage,
  loginPage,
  signedInPage,
  newCasePage,
  type CaseFormRetry,
  type CasePanels,
} from '../pages/staff-pages';
import { fieldError, html, type Markup } from '../pages/html';
import { noteRefusal } from '../security-events';
import { pageUserOf } from '../pages/page-user';
import type { ServerContext } from '../server-context';
import { dashboard, listPage } from './api-cases';
import { bulkParams, bulkStartsOf } from './api-bulk';
import { readBulkUpload, readWholeUpload, uploadWords } from '../whole-uploads';
import { bulkRunPage, bulkUploadPage } from '../pages/bulk-pages';
import { parseInput } from '../../domain/parse-input';
import { PROJECT_ROOT } from '../../infra/project-root';
import { asSentence } from '../../domain/text';

const caseParams = z.object({ caseId: caseIdSchema });
/** The example bulk file, offered on the upload page. */
const BULK_EXAMPLE = path.join(PROJECT_ROOT, 'examples', 'bulk.csv');
const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/(?!\/)[A-Za-z0-9/_?=&.-]*$/.test(next) ? next : '/';

/** The case page's forms, from each action's folder (its `panel`), by where they go; refilled after a refusal. */
function actionPanels(record: CaseRecord, user: { role: Role; csrfToken: string }, retry?: CaseFormRetry): CasePanels {
  const again = (form: string, name: string): string => (retry?.form === form ? (retry.values[name] ?? '') : '');
  const problem = (form: string, name: string): Markup =>
    retry?.form === form ? fieldError(retry.errors, name) : html``;
  const csrf = html`<input type="hidden" name="_csrf" value="${user.csrfToken}">`;
  const panels: CasePanels = { task: [], actions: [], subprocessors: [], section: [] };
  for (const action of Object.values(STAFF_ACTIONS) as StaffAction[]) {
    if (!action.panel) continue;
    const markup = action.panel.render({
      caseId: record.caseId,
      state: record.state,
      role: user.role,
      csrf,
      again,
      problem,
    });
    if (markup) panels[action.panel.place].push(markup);
  }
  return panels;
}

export function registerStaffPages(app: FastifyInstance, ctx: ServerContext): void {
  const pageUser = pageUserOf(ctx);
  const { auth, service } = ctx;
  const page = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);
  const signedIn = (request: FastifyRequest, roles: readonly Role[] = ['admin', 'legal']) =>
    auth.require(request, roles);

  app.get('/', async (request, reply) => {
    if (!request.session) return reply.redirect('/login', 303);
    const session = signedIn(request);
    return page(reply, dashboardPage(pageUser(session), await dashboard(ctx)));
  });

  app.get('/login', async (request, reply) => {
    const { next } = request.query as { next?: string };
    return page(
      reply,
      loginPage({
        next: safeNext(next),
        firstRun: (await ctx.users.countUsers()) === 0,
        ...(ctx.oidc ? { sso: ctx.oidc.settings.name } : {}),
      }),
    );
  });

  // Single sign-on (server/oidc-sign-in.ts): off the provider and back, then a session as a password gives one.
  app.get('/auth/oidc/start', async (request, reply) => {
    if (!ctx.oidc) throw new DispositionError('not_found', 'single sign-on is not set up here (OIDC_ISSUER)');
    const { next } = request.query as { next?: string };
    return reply.redirect(await ctx.oidc.start(safeNext(next), reply), 303);
  });

  app.get('/auth/oidc/callback', async (request, reply) => {
    if (!ctx.oidc) throw new DispositionError('not_found', 'single sign-on is not set up here (OIDC_ISSUER)');
    try {
      const { user, next } = await ctx.oidc.finish(request, reply);
      await auth.startSession(user, reply);
      return page(reply, signedInPage(safeNext(next)));
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err;
      noteRefusal(request, err);
      return page(
        reply,
        loginPage({ error: err.message, sso: ctx.oidc.settings.name }),
        err.code === 'forbidden' ? 403 : 401,
      );
    }
  });

  app.post('/login', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      await auth.login(String(form.username ?? ''), String(form.password ?? ''), reply);
      return reply.redirect(safeNext(form.next), 303);
    } catch (err) {
      if (err instanceof DispositionError) {
        noteRefusal(request, err);
        return page(
          reply,
          loginPage({ next: safeNext(form.next), error: err.message }),
          err.code === 'rate_limited' ? 429 : 401,
        );
      }
      throw err;
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.session) {
      signedIn(request);
      await auth.logout(request, reply);
    }
    return reply.redirect('/login', 303);
  });

  app.get('/cases', async (request, reply) => {
    const session = signedIn(request);
    const query = parseInput(
      api.caseListQuerySchema,
      Object.fromEntries(Object.entries(request.query as Record<string, string>).filter(([, v]) => v !== '')),
      'query',
    );
    const { cases, nextCursor } = await listPage(ctx, query);
    return page(reply, caseListPage(pageUser(session), cases.map(caseListItem), query, nextCursor));
  });

  app.get('/cases/new', async (request, reply) =>
    page(reply, newCasePage(pageUser(signedIn(request, ['admin'])), {}, {}, undefined, ctx.config.agreements)),
  );

  app.post('/cases/new', async (request, reply) => {
    const session = signedIn(request, ['admin']);
    const form = (request.body ?? {}) as Form;
    try {
      const { caseId } = await service.startCase(caseInputFromForm(form), actorOf(session));
      return reply.redirect(`/cases/${caseId}${outcomeQuery('started')}`, 303);
    } catch (err) {
      if (err instanceof DispositionError && (err.code === 'invalid_payload' || err.code === 'duplicate_case')) {
        const duplicate = err.code === 'duplicate_case' ? (err.details as { caseId: string }).caseId : undefined;
        return page(
          reply,
          newCasePage(
            pageUser(session),
            formValues(form),
            fieldErrors(err.details),
            asSentence(`The case was not started: ${err.message}`),
            ctx.config.agreements,
            duplicate,
          ),
          ERROR_CODES[err.code].http,
        );
      }
      throw err;
    }
  });

  const bulk = bulkStartsOf(ctx);
  app.get('/cases/bulk', async (request, reply) => page(reply, bulkUploadPage(pageUser(signedIn(request, ['admin'])))));

  app.get('/cases/bulk/example.csv', async (request, reply) => {
    signedIn(request, ['admin']);
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="bulk-example.csv"')
      .send(fs.createReadStream(BULK_EXAMPLE));
  });

  app.post('/cases/bulk', async (request, reply) => {
    // Who asks, before a byte of the file is read; the CSRF token is a field of the form, read with the file.
    const asker = auth.require(request, ['admin'], { csrf: false });
    let upload;
    try {
      upload = await readBulkUpload(request);
      const session = auth.require(request, ['admin'], { token: upload.fields._csrf ?? '' });
      if (upload.fields.dryRun !== 'false')
        return page(
          reply,
          bulkUploadPage(pageUser(session), { check: await bulk.check(upload.text), fileName: upload.fileName }),
        );
      const run = await bulk.begin(upload.text, upload.fileName, actorOf(session));
      return reply.redirect(`/bulk/${run.bulkId}`, 303);
    } catch (err) {
      if (
        err instanceof DispositionError &&
        ['invalid_payload', 'too_large', 'unsupported_media_type'].includes(err.code)
      ) {
        return page(
          reply,
          bulkUploadPage(pageUser(asker), { message: `Nothing was started: ${err.message}` }),
          ERROR_CODES[err.code].http,
        );
      }
      throw err;
    }
  });

  app.get('/bulk/:bulkId', async (request, reply) => {
    const session = signedIn(request, ['admin']);
    const { bulkId } = parseInput(bulkParams, request.params, 'path');
    return page(reply, bulkRunPage(pageUser(session), await bulk.view(bulkId)));
  });

  app.get('/cases/:caseId', async (request, reply) => {
    const session = signedIn(request);
    const { caseId } = parseInput(caseParams, request.params, 'path');
    const record = await service.getCase(caseId);
    const details = caseDetails(record);
    const outcome = caseOutcomeText(request.query, record.state);
    // The missing students are student data: read for administrators only (this read is the page's, logged).
    const missing =
      session.role === 'admin' && details.roster?.missing ? (await service.missingStudents(caseId)).missing : undefined;
    return page(
      reply,
      casePage(
        pageUser(session),
        details,
        actionPanels(record, pageUser(session)),
        outcome ? { text: outcome } : undefined,
        missing,
      ),
    );
  });

  /**
   * Each staff action's form on the case page (actions/registry.ts). Success answers 303 See Other to the case
   * page, which names the outcome (Post/Redirect/Get: a reload reads the case again instead of sending the form
   * twice). A refusal shows the case page again with the reason, the form refilled, and the refusal's status.
   */
  for (const [name, action] of Object.entries(STAFF_ACTIONS) as [StaffActionName, StaffAction][]) {
    const upload = action.upload;
    app.post(
      `/cases/:caseId/${action.path}`,
      upload ? { bodyLimit: upload.maxBytes + 64 * 1024 } : {},
      async (request, reply) => {
        // A form with a file carries its CSRF token among the file's fields: who asks first, the token once read.
        let session = upload ? auth.require(request, action.roles, { csrf: false }) : signedIn(request, action.roles);
        const { caseId: rawCaseId, ...params } = request.params as Record<string, string>;
        const { caseId } = parseInput(caseParams, { caseId: rawCaseId }, 'path');
        let form = (request.body ?? {}) as Form;
        try {
          let file;
          if (upload) {
            const read = await readWholeUpload(request, uploadWords(upload));
            session = auth.require(request, action.roles, { token: read.fields._csrf ?? '' });
            form = read.fields;
            file = read.file;
          }
          const body = action.fromForm(form);
          const result = await service.perform(name, caseId, body, actorOf(session), params, file);
          return reply.redirect(`/cases/${caseId}${outcomeQuery(action.outcome(body), result.alreadyDone)}`, 303);
        } catch (err) {
          if (
            err instanceof DispositionError &&
            err.code !== 'internal' &&
            err.code !== 'not_found' &&
            err.code !== 'csrf_failed'
          ) {
            noteRefusal(request, err);
            const retry = action.refill
              ? { form: action.refill(form), values: formValues(form), errors: fieldErrors(err.details) }
              : undefined;
            const record = await service.getCase(caseId);
            return page(
              reply,
              casePage(pageUser(session), caseDetails(record), actionPanels(record, pageUser(session), retry), {
                text: err.message,
                kind: 'warn',
              }),
              ERROR_CODES[err.code].http,
            );
          }
          throw err;
        }
      },
    );
  }
}
