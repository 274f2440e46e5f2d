// The outbox pages (administrators only, and only when mail goes to DATA_DIR/outbox: infra/mail/outbox.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DispositionError } from '../../domain/errors';
import { parseInput } from '../../domain/parse-input';
import { listOutbox, outboxDir, outboxShown, readOutboxMessage } from '../../infra/mail/outbox';
import { outboxMessagePage, outboxPage } from '../pages/outbox-pages';
import { pageUserOf } from '../pages/page-user';
import type { ServerContext } from '../server-context';

const PAGE_SIZE = 50;
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).optional() });
const messageParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_.@-]{1,200}$/) });

export function registerOutboxPages(app: FastifyInstance, ctx: ServerContext): void {
  if (!outboxShown(ctx.config)) return;
  const dir = outboxDir(ctx.config);
  const pageUser = pageUserOf(ctx);
  const html = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

  app.get('/outbox', async (request, reply) => {
    const session = ctx.auth.require(request, ['admin']);
    const { page = 1 } = parseInput(pageQuery, request.query, 'query');
    const list = listOutbox(dir, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    return reply.headers(html).send(outboxPage(pageUser(session), list, page, PAGE_SIZE));
  });

  app.get('/outbox/:id', async (request, reply) => {
    const session = ctx.auth.require(request, ['admin']);
    const { id } = parseInput(messageParams, request.params, 'path');
    if (id.endsWith('.eml')) {
      const name = id.slice(0, -'.eml'.length);
      const file = path.join(dir, `${name}.eml`);
      if (!readOutboxMessage(dir, name) || !fs.existsSync(file))
        throw new DispositionError('not_found', 'no such message in the outbox');
      return reply
        .header('content-type', 'message/rfc822')
        .header('content-disposition', `attachment; filename="${name}.eml"`)
        .header('cache-control', 'no-store')
        .send(fs.createReadStream(file));
    }
    const message = readOutboxMessage(dir, id);
    if (!message) throw new DispositionError('not_found', 'no such message in the outbox');
    return reply.headers(html).send(outboxMessagePage(pageUser(session), message));
  });
}
