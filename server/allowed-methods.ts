// RFC 9110 §15.5.6: a method an API resource does not take is answered 405 with the methods it does take
// (header Allow), not 404, which would tell the client the resource is not there.
import type { RouteOptions } from 'fastify';

interface Resource {
  pattern: RegExp;
  /** Segments without a parameter: the router prefers `/api/statements/verify` to `/api/statements/:statementId`. */
  fixedSegments: number;
  methods: Set<string>;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class AllowedMethods {
  private readonly resources = new Map<string, Resource>();

  /** onRoute: learns each API route's path pattern (`/api/cases/:caseId`) and its methods. */
  add(route: RouteOptions): void {
    if (!route.url.startsWith('/api/')) return;
    let resource = this.resources.get(route.url);
    if (!resource) {
      const pattern = route.url
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)))
        .join('/');
      resource = {
        pattern: new RegExp(`^${pattern}$`),
        fixedSegments: route.url.split('/').filter((s) => !s.startsWith(':')).length,
        methods: new Set(),
      };
      this.resources.set(route.url, resource);
    }
    for (const method of [route.method].flat()) resource.methods.add(method.toUpperCase());
    if (resource.methods.has('GET')) resource.methods.add('HEAD');
  }

  /** The methods `path` takes, or none when no API resource is there. */
  allowed(path: string): string[] {
    const matching = [...this.resources.values()].filter((resource) => resource.pattern.test(path));
    const mostFixed = Math.max(...matching.map((resource) => resource.fixedSegments));
    return [
      ...new Set(
        matching
          .filter((resource) => resource.fixedSegments === mostFixed)
          .flatMap((resource) => [...resource.methods]),
      ),
    ].sort();
  }
}
