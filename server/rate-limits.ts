// Rate limits per source on the routes people might hammer: sign-in (guessing passwords) and vendor links
// (guessing tokens). A fixed window per minute, counted in the database, so every server counts the same hits.
import type { FastifyRequest } from 'fastify';
import { DispositionError } from '../domain/errors';
import type { SharedCounters } from '../infra/database/shared-counters';

const WINDOW_MS = 60_000;

export interface RateLimit {
  name: string;
  matches: (request: FastifyRequest) => boolean;
  perMinute: number;
}

/**
 * What a request is for: the pattern of the route the router chose, not the URL as written, so a query string,
 * percent-encoding or any other spelling of the same route counts against the same limit. A request no route
 * took is judged by its path.
 */
export const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? request.url.split('?')[0]!;

export const SIGN_IN_ROUTES = new Set(['/api/auth/login', '/login', '/auth/oidc/callback']);

export const RATE_LIMITS: RateLimit[] = [
  { name: 'sign-in', matches: (r) => r.method === 'POST' && SIGN_IN_ROUTES.has(routeOf(r)), perMinute: 20 },
  {
    name: 'vendor links',
    matches: (r) => routeOf(r).startsWith('/v/') || routeOf(r).startsWith('/api/vendor/'),
    perMinute: 3000,
  },
  // Anyone may check a statement: enough for a records clerk working through a box of them, not for a flood.
  {
    name: 'statement checks',
    matches: (r) => routeOf(r).startsWith('/api/statements/') || routeOf(r) === '/verify',
    perMinute: 120,
  },
];

export class RateLimiter {
  private checks = 0;

  constructor(
    private readonly counters: SharedCounters,
    private readonly limits: RateLimit[] = RATE_LIMITS,
  ) {}

  async check(request: FastifyRequest, now = Date.now()): Promise<void> {
    for (const limit of this.limits) {
      if (!limit.matches(request)) continue;
      const { hits, startedAt } = await this.counters.hit(`${limit.name}|${request.ip}`, WINDOW_MS, now);
      if (hits > limit.perMinute) {
        const wait = Math.max(1, Math.ceil((startedAt + WINDOW_MS - now) / 1000));
        throw new DispositionError(
          'rate_limited',
          `too many ${limit.name} requests from your address; try again in ${wait} s`,
          { retryAfterSeconds: wait },
        );
      }
    }
    // Now and then, forget the windows of sources that went quiet.
    if ((this.checks += 1) % 5_000 === 0) await this.counters.sweep(now - 60 * WINDOW_MS);
  }
}
