// Rate limits per source on the routes people might hammer: sign-in (guessing passwords) and vendor links
// (guessing tokens). A fixed window per minute, in memory: enough for one server; a fleet would share a store.
import type { FastifyRequest } from 'fastify';
import { DispositionError } from '../../domain/errors';

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

export const SIGN_IN_ROUTES = new Set(['/api/auth/login', '/login']);

export const RATE_LIMITS: RateLimit[] = [
  { name: 'sign-in', matches: (r) => r.method === 'POST' && SIGN_IN_ROUTES.has(routeOf(r)), perMinute: 20 },
  { name: 'vendor links', matches: (r) => routeOf(r).startsWith('/v/') || routeOf(r).startsWith('/api/vendor/'), perMinute: 3000 },
];

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limits: RateLimit[] = RATE_LIMITS) {}

  check(request: FastifyRequest, now = Date.now()): void {
    for (const limit of this.limits) {
      if (!limit.matches(request)) continue;
      const key = `${limit.name}|${request.ip}`;
      const window = this.windows.get(key);
      if (!window || now - window.start >= 60_000) {
        this.windows.set(key, { start: now, count: 1 });
        if (this.windows.size > 50_000) this.sweep(now);
        continue;
      }
      window.count += 1;
      if (window.count > limit.perMinute) {
        const wait = Math.ceil((window.start + 60_000 - now) / 1000);
        throw new DispositionError('rate_limited', `too many ${limit.name} requests from your address; try again in ${wait} s`, { retryAfterSeconds: wait });
      }
    }
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= 60_000) this.windows.delete(key);
  }
}
