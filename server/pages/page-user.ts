// Who the staff pages are drawn for: the signed-in person, and what the navigation offers them.
import { outboxShown } from '../../infra/mail/outbox';
import type { RequestSession } from '../auth';
import type { ServerContext } from '../server-context';

export const pageUserOf =
  (ctx: Pick<ServerContext, 'config'>) =>
  (
    session: RequestSession,
  ): { username: string; role: RequestSession['role']; csrfToken: string; outbox: boolean } => ({
    username: session.username,
    role: session.role,
    csrfToken: session.csrfToken,
    outbox: outboxShown(ctx.config),
  });
