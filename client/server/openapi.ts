// The API as OpenAPI 3.1, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import * as api from '../../domain/api';
import { caseInputSchema } from '../../domain/case-input';
import { auditQuerySchema, intrusionQuerySchema } from '../access-log-export';

type Auth = 'session' | 'token' | 'none';
interface Route {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  roles?: string;
  query?: z.ZodObject;
  body?: z.ZodType | 'pdf' | 'multipart-file' | 'multipart-upload';
  ok: { status: number; schema?: z.ZodType; content?: string | string[]; description?: string; alsoStatus?: { status: number; description: string } };
  refusals?: number[];
}

const action = { status: 200, schema: api.actionResultSchema };
const ROUTES: Route[] = [
  { method: 'get', path: '/api/health', summary: 'The server reaches Temporal', auth: 'none', ok: { status: 200, schema: z.object({ status: z.literal('ok') }) }, refusals: [503] },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', auth: 'none', ok: { status: 200, description: 'OpenAPI 3.1', content: 'application/json' } },
  { method: 'post', path: '/api/auth/login', summary: 'Sign in: sets the session cookie, returns the CSRF token', auth: 'none', body: api.loginBodySchema,
    ok: { status: 200, schema: z.object({ user: z.object({ username: z.string(), role: z.enum(['admin', 'legal']) }), csrfToken: z.string() }) }, refusals: [400, 401, 429] },
  { method: 'post', path: '/api/auth/logout', summary: 'End the session', auth: 'session', ok: { status: 204, description: 'signed out' }, refusals: [401, 403] },
  { method: 'post', path: '/api/cases', summary: 'Start a case', auth: 'session', roles: 'admin', body: caseInputSchema,
    ok: { status: 201, schema: z.object({ caseId: z.string(), status: z.string() }) }, refusals: [400, 401, 403, 503] },
  { method: 'get', path: '/api/cases', summary: 'List cases from the case record', auth: 'session', roles: 'admin, legal', query: api.caseListQuerySchema,
    ok: { status: 200, schema: api.caseListResponseSchema }, refusals: [400, 401, 403] },
  { method: 'get', path: '/api/cases/{caseId}', summary: 'A case: tasks, timeline, return package, certification, statement, legal hold', auth: 'session', roles: 'admin, legal',
    ok: { status: 200, description: 'the case', content: 'application/json' }, refusals: [400, 401, 403, 404] },
  { method: 'post', path: '/api/cases/{caseId}/review', summary: 'Accept or reject the returned data', auth: 'session', roles: 'admin', body: api.reviewBodySchema, ok: action, refusals: [400, 401, 403, 404, 409, 503] },
  { method: 'post', path: '/api/cases/{caseId}/extend', summary: 'Move the due time of the open task', auth: 'session', roles: 'admin', body: api.extendBodySchema, ok: action, refusals: [400, 401, 403, 404, 409, 503] },
  { method: 'post', path: '/api/cases/{caseId}/cancel', summary: 'Cancel the case', auth: 'session', roles: 'admin', body: api.cancelBodySchema, ok: action, refusals: [400, 401, 403, 404, 409, 503] },
  { method: 'post', path: '/api/cases/{caseId}/resend-link', summary: 'Email a new link for the open vendor task; older links stop working', auth: 'session', roles: 'admin', ok: action, refusals: [401, 403, 404, 409, 503] },
  { method: 'post', path: '/api/cases/{caseId}/legal-hold', summary: 'Hold or release the case\'s data', auth: 'session', roles: 'admin, legal', body: api.legalHoldBodySchema, ok: action, refusals: [400, 401, 403, 404, 409, 503] },
  { method: 'get', path: '/api/cases/{caseId}/return-package', summary: 'The returned data as a ZIP (header X-Content-SHA256)', auth: 'session', roles: 'admin',
    ok: { status: 200, content: 'application/zip', description: 'the ZIP' }, refusals: [401, 403, 404] },
  { method: 'get', path: '/api/cases/{caseId}/statement', summary: 'The final statement', auth: 'session', roles: 'admin, legal', ok: { status: 200, content: 'application/pdf', description: 'the PDF' }, refusals: [401, 403, 404] },
  { method: 'get', path: '/api/vendor/{token}', summary: 'The open task of a vendor link', auth: 'token', ok: { status: 200, description: 'the task', content: 'application/json' }, refusals: [400, 403, 410] },
  { method: 'post', path: '/api/vendor/{token}/acknowledge', summary: 'Acknowledge the notice', auth: 'token', body: api.acknowledgeBodySchema, ok: action, refusals: [400, 403, 409, 410, 503] },
  { method: 'post', path: '/api/vendor/{token}/files', summary: 'Stage one file (multipart: field "category", then "file")', auth: 'token', body: 'multipart-upload',
    ok: { status: 201, schema: api.stagedFileResponseSchema, alsoStatus: { status: 200, description: 'the same file was already staged: what is staged, with alreadyStaged' } }, refusals: [400, 403, 409, 410, 413, 415] },
  { method: 'delete', path: '/api/vendor/{token}/files/{fileId}', summary: 'Drop a staged file before submitting', auth: 'token',
    ok: { status: 200, schema: z.object({ fileId: z.string(), removed: z.boolean(), alreadyDone: z.boolean().optional() }) }, refusals: [400, 403, 409, 410] },
  { method: 'post', path: '/api/vendor/{token}/submit-return', summary: 'Finish the return', auth: 'token', body: api.submitReturnBodySchema, ok: { status: 202, schema: api.actionResultSchema }, refusals: [400, 403, 409, 410, 503] },
  { method: 'post', path: '/api/vendor/{token}/certify', summary: 'Certify destruction (III.C) and removal of tracking mechanisms (IV.A)', auth: 'token', body: api.certifyBodySchema, ok: action, refusals: [400, 403, 409, 410, 503] },
  { method: 'post', path: '/api/vendor/{token}/backup-rolloff', summary: 'Confirm that backups rolled off', auth: 'token', body: api.backupRolloffBodySchema, ok: action, refusals: [400, 403, 409, 410, 503] },
  { method: 'get', path: '/api/statements/{statementId}', summary: 'Look up an issued statement', auth: 'none', ok: { status: 200, schema: api.statementResponseSchema }, refusals: [400, 404, 429] },
  { method: 'post', path: '/api/statements/verify', summary: 'Is this PDF a genuine, untouched statement? (the file is read as it streams, up to 64 MiB)', auth: 'none', body: 'pdf', ok: { status: 200, schema: api.verifyResponseSchema }, refusals: [413, 429] },
  { method: 'get', path: '/api/audit', summary: 'The access log, for a case or a time range, with the verdict on its hash chain (7400.1 I.D, I.H)', auth: 'session', roles: 'admin', query: auditQuerySchema,
    ok: { status: 200, content: ['application/json', 'text/csv'], description: 'format=json (the default): {entries, chain}; format=csv: one row per entry' }, refusals: [400] },
  { method: 'get', path: '/api/intrusions/analysis', summary: 'Intrusion analysis: attempts by source and kind, with dates, times and places (7400.1 I.C)', auth: 'session', roles: 'admin', query: intrusionQuerySchema,
    ok: { status: 200, content: ['application/json', 'text/csv', 'application/pdf'], description: 'format=json (the default), csv or pdf' }, refusals: [400] },
];

const PATH_PARAMS: Record<string, { pattern: string; description: string }> = {
  caseId: { pattern: '^[A-Za-z0-9]{6,32}$', description: 'the case id' },
  token: { pattern: '^[A-Za-z0-9._-]+$', description: 'the token of an emailed vendor link' },
  fileId: { pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'a staged file' },
  statementId: { pattern: '^[A-Za-z0-9-]{8,64}$', description: 'a statement id' },
};

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
  description: 'any JSON value without a "__proto__" key or a "constructor" object with a "prototype" key, at any depth',
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
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'properties' || key === '$defs'
    ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, asTheServerReads(sub)]))
    : asTheServerReads(value)]));
  if (out.format === 'email' && out.pattern) delete out.format;
  if (out.type !== 'object') return out as T;
  return { additionalProperties: { $ref: '#/components/schemas/JsonValue' }, ...out, ...SAFE_OBJECT } as T;
}

/** Refusals every route of a kind can give, whatever it does: the document lists them where they apply. */
function commonRefusals(route: Route): number[] {
  const statuses: number[] = [];
  if (route.auth === 'session') statuses.push(401, 403); // not signed in; another role, or no CSRF token
  if (route.auth === 'token') statuses.push(403, 410, 429); // link refused; link gone; rate limit on link routes
  if (route.path === '/api/auth/login') statuses.push(429);
  if (route.body) statuses.push(413, 415); // larger than the body limit; a content type the route does not read
  if (route.body && route.body !== 'pdf') statuses.push(400); // the body does not parse (the verification is always a verdict)
  return statuses;
}

function requestBody(body: NonNullable<Route['body']>): Record<string, unknown> {
  if (body === 'pdf') {
    return { required: true, content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } }, 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } } } };
  }
  if (body === 'multipart-upload' || body === 'multipart-file') {
    return { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { category: { type: 'string' }, file: { type: 'string', format: 'binary' } }, required: ['category', 'file'] } } } };
  }
  return { required: true, content: { 'application/json': { schema: jsonSchema(body, 'input') } } };
}

export function buildOpenApi(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = jsonSchema(api.errorResponseSchema, 'output');
  for (const route of ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name, in: 'path', required: true, description: PATH_PARAMS[name!]!.description, schema: { type: 'string', pattern: PATH_PARAMS[name!]!.pattern },
    }));
    const query = route.query
      ? Object.entries((jsonSchema(route.query, 'input').properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
      : [];
    const bodyOf = (type: string) => ({ schema: type === 'application/json' ? { type: 'object' } : type.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' } });
    const content = route.ok.schema ? { content: { 'application/json': { schema: jsonSchema(route.ok.schema, 'output') } } }
      : route.ok.content ? { content: Object.fromEntries([route.ok.content].flat().map((type) => [type, bodyOf(type)])) } : {};
    const responses: Record<string, unknown> = { [route.ok.status]: { description: route.ok.description ?? route.summary, ...content } };
    if (route.ok.alsoStatus) responses[route.ok.alsoStatus.status] = { description: route.ok.alsoStatus.description, ...content };
    for (const status of [...new Set([...(route.refusals ?? []), ...commonRefusals(route)])].sort()) {
      responses[status] = { description: 'refused: see error.code and error.message', content: { 'application/json': { schema: errorSchema } } };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      ...(route.roles ? { description: `Roles: ${route.roles}.` } : {}),
      // A cookie request that changes state carries the CSRF token as well.
      security: route.auth === 'session' ? [route.method === 'get' ? { session: [] } : { session: [], csrf: [] }] : route.auth === 'token' ? [{}] : [],
      parameters: [...params, ...query],
      ...(route.body ? { requestBody: requestBody(route.body) } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Disposition', version: '1', description: 'Termination of a district\'s contract with a hosted ed-tech service under policy 7400.1. State-changing requests with the session cookie carry the CSRF token (header X-CSRF-Token). Vendor routes authenticate by the link token alone.' },
    servers: [{ url: publicUrl }],
    components: {
      schemas: { JsonValue: JSON_VALUE },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'disposition_session', description: 'set by POST /api/auth/login' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'the csrfToken answered by POST /api/auth/login, on every cookie request that changes state' },
      },
    },
    paths,
  };
}
