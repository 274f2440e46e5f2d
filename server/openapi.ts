// The API as OpenAPI 3.1, generated from the same zod schemas that validate requests.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import * as apiAnswers from './api-answers';
import { ID_PATTERNS } from '../domain/ids';
import { PROJECT_ROOT } from '../infra/project-root';

type Auth = 'session' | 'token' | 'none';

/**
 * What the API document says of a route, given where the route is registered (`config: { doc }`): the
 * document is made from the routes the server has, so a route cannot be served without being described
 * (tests/api-routes.test.ts walks them).
 */
export interface RouteDoc {
  summary: string;
  auth: Auth;
  roles?: readonly string[];
  query?: z.ZodObject;
  body?: z.ZodType | 'pdf' | 'multipart-file' | 'multipart-upload' | 'csv';
  /** The body as documented, when it says more than the schema that checks it (a shape kept accepted but deprecated). */
  bodyDoc?: z.ZodType;
  /** The file under examples/ holding a body this route accepts (every JSON body has one; tests/action-declarations.test.ts sends each). */
  example?: string;
  /** A session route that changes nothing takes no CSRF token (the codec, called from Temporal's UI). */
  csrf?: false;
  ok: {
    status: number;
    schema?: z.ZodType;
    content?: string | string[];
    description?: string;
    alsoStatus?: { status: number; description: string; schema?: z.ZodType };
  };
  refusals?: number[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's entry in the API document (server/openapi.ts). */
    doc?: RouteDoc;
  }
}

export interface DocumentedRoute {
  method: 'get' | 'post' | 'delete';
  path: string;
  doc: RouteDoc;
}

/** `/api/cases/:caseId/review` as the document writes it: `/api/cases/{caseId}/review`. */
export const documentPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

/** Bodies people can start from (README), each one the document's example for its route. */
export const EXAMPLES_DIR = path.join(PROJECT_ROOT, 'examples');

/** Every action answers with what the workflow said. */
export const ACTION_OK = { status: 200, schema: apiAnswers.actionResultSchema };

const PATH_PARAMS: Record<string, { pattern: string; description: string }> = Object.fromEntries(
  Object.entries(ID_PATTERNS).map(([name, { pattern, description }]) => [
    name,
    { pattern: pattern.source, description },
  ]),
);

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return io === 'input' ? asTheServerReads(rest) : rest;
};

// Fastify's JSON parser refuses a body with a "__proto__" key, or a "constructor" object with a "prototype"
// key, at any depth (prototype poisoning). Every object in a request says so, and so do the values of the
// properties it does not name (which the server ignores): JsonValue is any JSON without them.
const SAFE_OBJECT = {
  propertyNames: { not: { const: '__proto__' } },
  not: { required: ['constructor'], properties: { constructor: { type: 'object', required: ['prototype'] } } },
};
const JSON_VALUE = {
  description:
    'any JSON value without a "__proto__" key or a "constructor" object with a "prototype" key, at any depth',
  anyOf: [
    { type: ['null', 'boolean', 'number', 'string'] },
    { type: 'array', items: { $ref: '#/components/schemas/JsonValue' } },
    { type: 'object', ...SAFE_OBJECT, additionalProperties: { $ref: '#/components/schemas/JsonValue' } },
  ],
};

/**
 * A request schema as the server reads it: objects without the keys the JSON parser refuses (above), and an
 * email address checked by zod's pattern alone, which validators' "email" format is not.
 */
function asTheServerReads<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(asTheServerReads) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'properties' || key === '$defs'
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, asTheServerReads(sub)]),
          )
        : asTheServerReads(value),
    ]),
  );
  if (out.format === 'email' && out.pattern) delete out.format;
  if (out.type !== 'object') return out as T;
  return { additionalProperties: { $ref: '#/components/schemas/JsonValue' }, ...out, ...SAFE_OBJECT } as T;
}

/** Refusals every route of a kind can give, whatever it does: the document lists them where they apply. */
function commonRefusals(route: RouteDoc, path: string): number[] {
  const statuses: number[] = [];
  if (route.auth === 'session') statuses.push(401, 403); // not signed in; another role, or no CSRF token
  if (route.auth === 'token') statuses.push(403, 410, 429); // link refused; link gone; rate limit on link routes
  if (path === '/api/auth/login') statuses.push(429);
  if (route.body) statuses.push(413, 415); // larger than the body limit; a content type the route does not read
  if (route.body && route.body !== 'pdf') statuses.push(400); // the body does not parse (the verification is always a verdict)
  return statuses;
}

function requestBody(body: NonNullable<RouteDoc['body']>, example: string | undefined): Record<string, unknown> {
  if (body === 'pdf') {
    return {
      required: true,
      content: {
        'application/pdf': { schema: { type: 'string', format: 'binary' } },
        'multipart/form-data': {
          schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
        },
      },
    };
  }
  if (body === 'csv') {
    const sample = example ? { example: fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8') } : {};
    return {
      required: true,
      content: {
        'text/csv': { schema: { type: 'string' }, ...sample },
        'multipart/form-data': {
          schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
        },
      },
    };
  }
  if (body === 'multipart-upload' || body === 'multipart-file') {
    return {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { category: { type: 'string' }, file: { type: 'string', format: 'binary' } },
            required: ['category', 'file'],
          },
        },
      },
    };
  }

  const sample = example
    ? { example: JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8')) as unknown }
    : {};
  return { required: true, content: { 'application/json': { schema: jsonSchema(body, 'input'), ...sample } } };
}

export function buildOpenApi(publicUrl: string, routes: readonly DocumentedRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = jsonSchema(apiAnswers.errorResponseSchema, 'output');
  for (const { method, path, doc: route } of [...routes].sort((a, b) => a.path.localeCompare(b.path))) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      description: PATH_PARAMS[name!]!.description,
      schema: { type: 'string', pattern: PATH_PARAMS[name!]!.pattern },
    }));
    const query = route.query
      ? Object.entries((jsonSchema(route.query, 'input').properties ?? {}) as Record<string, unknown>).map(
          ([name, schema]) => ({ name, in: 'query', required: false, schema }),
        )
      : [];
    const bodyOf = (type: string) => ({
      schema:
        type === 'application/json'
          ? { type: 'object' }
          : type.startsWith('text/')
            ? { type: 'string' }
            : { type: 'string', format: 'binary' },
    });
    // JSON by its schema when there is one; any other type the route answers (CSV, PDF) as text or bytes.
    const types = [route.ok.content ?? []].flat().filter((type) => !(route.ok.schema && type === 'application/json'));
    const content =
      route.ok.schema || types.length
        ? {
            content: {
              ...(route.ok.schema ? { 'application/json': { schema: jsonSchema(route.ok.schema, 'output') } } : {}),
              ...Object.fromEntries(types.map((type) => [type, bodyOf(type)])),
            },
          }
        : {};
    const responses: Record<string, unknown> = {
      [route.ok.status]: { description: route.ok.description ?? route.summary, ...content },
    };
    // Another success status: with its own schema when its body differs (a dry run's check), else the same body.
    const also = route.ok.alsoStatus;
    if (also)
      responses[also.status] = {
        description: also.description,
        ...(also.schema ? { content: { 'application/json': { schema: jsonSchema(also.schema, 'output') } } } : content),
      };
    for (const status of [...new Set([...(route.refusals ?? []), ...commonRefusals(route, path)])].sort()) {
      responses[status] = {
        description: 'refused: see error.code and error.message',
        content: { 'application/json': { schema: errorSchema } },
      };
    }
    paths[path] ??= {};
    paths[path][method] = {
      summary: route.summary,
      ...(route.roles ? { description: `Roles: ${route.roles.join(', ')}.` } : {}),
      // A cookie request that changes state carries the CSRF token as well.
      security:
        route.auth === 'session'
          ? [method === 'get' || route.csrf === false ? { session: [] } : { session: [], csrf: [] }]
          : route.auth === 'token'
            ? [{}]
            : [],
      parameters: [...params, ...query],
      ...(route.body ? { requestBody: requestBody(route.bodyDoc ?? route.body, route.example) } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Disposition',
      version: '1',
      description:
        "Termination of a district's contract with a hosted ed-tech service under policy 7400.1. State-changing requests with the session cookie carry the CSRF token (header X-CSRF-Token). Vendor routes authenticate by the link token alone.",
    },
    servers: [{ url: publicUrl }],
    components: {
      schemas: { JsonValue: JSON_VALUE },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'disposition_session',
          description: 'set by POST /api/auth/login',
        },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'the csrfToken answered by POST /api/auth/login, on every cookie request that changes state',
        },
      },
    },
    paths,
  };
}
