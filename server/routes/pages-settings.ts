// The webhook settings page (administrators): the same store and rules as the API (routes/api-webhooks.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as api from '../../domain/api';
import { DispositionError, ERROR_CODES } from '../../domain/errors';
import { actorOf, type RequestSession } from '../auth';
import { fieldErrors, formValues, type Form } from '../../presentation/forms';
import { webhooksPage } from '../pages/settings-pages';
import { noteRefusal } from '../security-events';
import type { ServerContext } from '../server-context';
import { parseInput } from '../../domain/parse-input';
import { resendDelivery } from '../../infra/webhooks/webhook-deliveries';
import { deliveryParams, hookParams } from './api-webhooks';
import { deliveryView, webhookView } from '../../client/webhook-views';
import { pageUserOf } from '../pages/page-user';
import { refuseUnreachableTarget } from '../../infra/webhooks/webhook-target';

export function registerSettingsPages(app: FastifyInstance, ctx: ServerContext): void {
  const admin = ['admin'] as const;
  const pageUser = pageUserOf(ctx);
  const hooks = async () =>
    Promise.all(
      (await ctx.webhooks.list()).map(async (hook) => ({
        ...webhookView(hook),
        deliveries: (await ctx.webhooks.deliveries(hook.id, 20)).map(deliveryView),
      })),
    );
  const show = async (
    reply: FastifyReply,
    session: RequestSession,
    state: Parameters<typeof webhooksPage>[2] = {},
    status = 200,
  ) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(webhooksPage(pageUser(session), await hooks(), state));
  /** A refused form: the page again with the reason (and the fields refilled). */
  const refused = async (
    request: FastifyRequest,
    reply: FastifyReply,
    session: RequestSession,
    err: unknown,
    form?: Form,
  ) => {
    if (!(err instanceof DispositionError) || err.code === 'internal') throw err;
    noteRefusal(request, err);
    return show(
      reply,
      session,
      {
        message: { text: err.message, kind: 'warn' },
        ...(form
          ? { values: { ...formValues(form), events: [form.events ?? []].flat() }, errors: fieldErrors(err.details) }
          : {}),
      },
      ERROR_CODES[err.code].http,
    );
  };

  app.get('/settings/webhooks', async (request, reply) => show(reply, ctx.auth.require(request, admin)));

  // The secret is on the answer itself (no redirect): it is shown once and kept nowhere in clear.
  app.post('/settings/webhooks', async (request, reply) => {
    const session = ctx.auth.require(request, admin);
    const form = (request.body ?? {}) as Form;
    try {
      const body = parseInput(api.webhookBodySchema, {
        url: typeof form.url === 'string' ? form.url.trim() : form.url,
        events: [form.events ?? []].flat(),
      });
      await refuseUnreachableTarget(body.url, ctx.config.webhookAllowPrivate);
      const { webhook, secret } = await ctx.webhooks.add({
        url: body.url,
        events: body.events,
        createdBy: actorOf(session),
      });
      return show(
        reply,
        session,
        { message: { text: `Endpoint ${webhook.id} added.`, kind: 'ok' }, secret: { id: webhook.id, secret } },
        201,
      );
    } catch (err) {
      return refused(request, reply, session, err, form);
    }
  });

  app.post('/settings/webhooks/:webhookId/secret', async (request, reply) => {
    const session = ctx.auth.require(request, admin);
    try {
      const { webhookId } = parseInput(hookParams, request.params, 'path');
      const secret = await ctx.webhooks.rotateSecret(webhookId);
      if (!secret) throw new DispositionError('not_found', `no webhook ${webhookId}`);
      return show(reply, session, {
        message: {
          text: 'A new signing secret signs every delivery from now on; the old one no longer does.',
          kind: 'ok',
        },
        secret: { id: webhookId, secret },
      });
    } catch (err) {
      return refused(request, reply, session, err);
    }
  });

  app.post('/settings/webhooks/:webhookId/remove', async (request, reply) => {
    const session = ctx.auth.require(request, admin);
    try {
      const { webhookId } = parseInput(hookParams, request.params, 'path');
      if (!(await ctx.webhooks.remove(webhookId))) throw new DispositionError('not_found', `no webhook ${webhookId}`);
      return reply.redirect('/settings/webhooks', 303);
    } catch (err) {
      return refused(request, reply, session, err);
    }
  });

  app.post('/settings/webhooks/:webhookId/deliveries/:deliveryId/resend', async (request, reply) => {
    const session = ctx.auth.require(request, admin);
    try {
      const { webhookId, deliveryId } = parseInput(deliveryParams, request.params, 'path');
      await resendDelivery(
        { webhooks: ctx.webhooks, client: ctx.client, taskQueue: ctx.config.taskQueue },
        webhookId,
        deliveryId,
      );
      return reply.redirect('/settings/webhooks', 303);
    } catch (err) {
      return refused(request, reply, session, err);
    }
  });
}
