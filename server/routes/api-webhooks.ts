// Signed webhooks for other district systems (a ticketing tool, a records system): administrators register
// endpoints, rotate their secrets, read each endpoint's delivery log and resend a delivery.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../domain/api';
import * as apiAnswers from '../api-answers';
import { DispositionError } from '../../domain/errors';
import { deliveryIdSchema, webhookIdSchema } from '../../domain/ids';
import type { Webhook } from '../../infra/database/webhook-store';
import { deliveryView, webhookView } from '../../client/webhook-views';
import { resendDelivery } from '../../infra/webhooks/webhook-deliveries';
import { refuseUnreachableTarget } from '../../infra/webhooks/webhook-target';
import { actorOf } from '../auth';
import type { ServerContext } from '../server-context';
import { parseInput } from '../../domain/parse-input';

export const hookParams = z.object({ webhookId: webhookIdSchema });
export const deliveryParams = hookParams.extend({ deliveryId: deliveryIdSchema });

async function known(ctx: ServerContext, webhookId: string): Promise<Webhook> {
  const hook = await ctx.webhooks.get(webhookId);
  if (!hook) throw new DispositionError('not_found', `no webhook ${webhookId}`);
  return hook;
}

export function registerWebhookApi(app: FastifyInstance, ctx: ServerContext): void {
  const { auth, webhooks } = ctx;
  const admin = ['admin'] as const;
  const exists = (webhookId: string): Promise<Webhook> => known(ctx, webhookId);

  app.post(
    '/api/webhooks',
    {
      config: {
        doc: {
          summary: 'Register an endpoint for case transitions; answers its signing secret, this once',
          auth: 'session',
          roles: admin,
          body: api.webhookBodySchema,
          example: 'webhook.json',
          ok: { status: 201, schema: apiAnswers.webhookCreatedSchema },
          refusals: [400, 401, 403],
        },
      },
    },
    async (request, reply) => {
      const session = auth.require(request, admin);
      const body = parseInput(api.webhookBodySchema, request.body);
      await refuseUnreachableTarget(body.url, ctx.config.webhookAllowPrivate);
      const { webhook, secret } = await webhooks.add({
        url: body.url,
        events: body.events,
        createdBy: actorOf(session),
      });
      return reply.code(201).send({ ...webhookView(webhook), secret });
    },
  );

  app.get(
    '/api/webhooks',
    {
      config: {
        doc: {
          summary: 'The registered endpoints (never their secrets)',
          auth: 'session',
          roles: admin,
          ok: { status: 200, schema: apiAnswers.webhookListSchema },
          refusals: [401, 403],
        },
      },
    },
    async (request) => {
      auth.require(request, admin);
      return { webhooks: (await webhooks.list()).map(webhookView) };
    },
  );

  app.delete(
    '/api/webhooks/:webhookId',
    {
      config: {
        doc: {
          summary: 'Remove an endpoint; nothing more is sent to it',
          auth: 'session',
          roles: admin,
          ok: { status: 200, schema: z.object({ id: z.string(), removed: z.boolean() }) },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      auth.require(request, admin);
      const { webhookId } = parseInput(hookParams, request.params, 'path');
      await exists(webhookId);
      return { id: webhookId, removed: await webhooks.remove(webhookId) };
    },
  );

  app.post(
    '/api/webhooks/:webhookId/secret',
    {
      config: {
        doc: {
          summary: "Rotate the endpoint's signing secret; the old one stops signing at once",
          auth: 'session',
          roles: admin,
          ok: { status: 200, schema: z.object({ id: z.string(), secret: z.string() }) },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      auth.require(request, admin);
      const { webhookId } = parseInput(hookParams, request.params, 'path');
      await exists(webhookId);
      return { id: webhookId, secret: (await webhooks.rotateSecret(webhookId))! };
    },
  );

  app.get(
    '/api/webhooks/:webhookId/deliveries',
    {
      config: {
        doc: {
          summary: "The endpoint's delivery log, newest first: status, attempts, last answer or error",
          auth: 'session',
          roles: admin,
          ok: { status: 200, schema: apiAnswers.webhookDeliveriesSchema },
          refusals: [400, 401, 403, 404],
        },
      },
    },
    async (request) => {
      auth.require(request, admin);
      const { webhookId } = parseInput(hookParams, request.params, 'path');
      await exists(webhookId);
      return { deliveries: (await webhooks.deliveries(webhookId)).map(deliveryView) };
    },
  );

  app.post(
    '/api/webhooks/:webhookId/deliveries/:deliveryId/resend',
    {
      config: {
        doc: {
          summary: 'Deliver again (the same event id, a fresh signature)',
          auth: 'session',
          roles: admin,
          ok: { status: 202, schema: z.object({ id: z.string(), status: z.literal('pending') }) },
          refusals: [400, 401, 403, 404, 409, 503],
        },
      },
    },
    async (request, reply) => {
      auth.require(request, admin);
      const { webhookId, deliveryId } = parseInput(deliveryParams, request.params, 'path');
      await resendDelivery({ webhooks, client: ctx.client, taskQueue: ctx.config.taskQueue }, webhookId, deliveryId);
      return reply.code(202).send({ id: deliveryId, status: 'pending' });
    },
  );
}
