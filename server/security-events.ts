// What the server writes down about each request: the access log for everything that touches a case
// (7400.1 I.D), and an intrusion event for every refusal that looks like an attempt (I.C), with an alert
// to the administrators once per burst from one source.
import type { ServerMetrics } from '../infra/metrics/metrics';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DispositionError } from '../domain/errors';
import type { AccessLog, IntrusionKind } from '../infra/database/access-log';
import type { Keyring } from '../infra/keys/keys';
import { tokenFromLink, verifyLinkToken } from '../infra/keys/link-tokens';
import type { SharedCounters } from '../infra/database/shared-counters';
import type { MailTransport } from '../infra/mail/mail-transport';
import { routeOf, SIGN_IN_ROUTES } from './rate-limits';

declare module 'fastify' {
  interface FastifyRequest {
    refusal?: DispositionError;
  }
}

/**
 * The routes that carry no case data: signing in and out, health, the API's description, static files. Every
 * other route reads or changes a case, its data or its logs (the dashboard at `/` lists cases), and each request
 * to it is logged (7400.1 I.D), so a route added later is logged unless it is named here.
 */
const NO_CASE_DATA = new Set([
  '/api/auth/login',
  '/api/auth/logout',
  '/api/health',
  '/api/ready',
  '/auth/oidc/start',
  '/auth/oidc/callback',
  '/api/openapi.json',
  '/static/:file',
  '/login',
  '/logout',
]);
/** A path no route took is logged when it looks like a case's or a vendor's (someone probing for them). */
const CASE_PATHS =
  /^\/(api\/cases|cases|api\/vendor\/|v\/|api\/statements\/|api\/audit|api\/intrusions|api\/codec|verify)/;

const readsCaseData = (request: FastifyRequest, path: string): boolean =>
  request.routeOptions.url ? !NO_CASE_DATA.has(request.routeOptions.url) : CASE_PATHS.test(path);

export interface BurstPolicy {
  count: number;
  windowMs: number;
}

export interface SecurityEventsDeps {
  accessLog: AccessLog;
  counters: SharedCounters;
  keyring: Keyring;
  burst: BurstPolicy;
  alert?: { transport: MailTransport; from: string; recipients: () => Promise<string[]>; publicUrl: string };
  /** Counts refusals and intrusion events for the Prometheus listener, when there is one. */
  metrics?: Pick<ServerMetrics, 'refusals' | 'intrusions'>;
}

/**
 * What a log may say of a request's path: the route's pattern when a route took it; else the path with anything
 * that could be a link token (after /v/ or /api/vendor/, or any long opaque segment) replaced, so a typo or a
 * trailing slash never writes a live token into a log.
 */
export function pathForLog(request: FastifyRequest): string {
  if (request.routeOptions.url) return request.routeOptions.url;
  const segments = request.url.split('?')[0]!.split('/');
  return segments
    .map((segment, i) => {
      const after = segments[i - 1];
      if (i > 0 && (after === 'v' || (after === 'vendor' && segments[i - 2] === 'api'))) return ':token';
      return segment.length > 24 || /^v1\./.test(segment) ? ':redacted' : segment;
    })
    .join('/')
    .slice(0, 300);
}

/** What a case-data answer sent so far, and whether it streams (logged as it starts and as it ends). */
interface Sent {
  bytes: number;
  streamed: boolean;
}
const sent = new WeakMap<FastifyRequest, Sent>();

/** Each request's address, taken while its socket is there: a request cut short (a body too slow or too large) has none by the end. */
const addresses = new WeakMap<FastifyRequest, string>();

export function rememberAddress(request: FastifyRequest): void {
  addresses.set(request, request.ip);
}

function addressOf(request: FastifyRequest): string {
  const known = addresses.get(request);
  if (known !== undefined) return known;
  try {
    return request.ip;
  } catch {
    return 'unknown';
  }
}

export function noteRefusal(request: FastifyRequest, error: DispositionError): void {
  request.refusal = error;
}

function intrusionKind(request: FastifyRequest, error: DispositionError): IntrusionKind | undefined {
  const path = request.url.split('?')[0]!;
  switch (error.code) {
    case 'unauthorized':
      return SIGN_IN_ROUTES.has(routeOf(request)) ? 'failed_login' : undefined;
    case 'rate_limited':
      return error.message.includes('locked') ? 'locked_account' : 'rate_limited';
    case 'csrf_failed':
      return 'csrf_failure';
    case 'forbidden':
      return 'role_refusal';
    case 'link_refused':
    case 'link_gone':
      return 'refused_link';
    case 'invalid_payload':
      // A wrong, expired or voided one-time code: someone may be guessing a signatory's code.
      if (
        Array.isArray(error.details) &&
        error.details.some((d: { field?: string }) => d?.field === 'verificationCode')
      )
        return 'wrong_signatory_code';
      return /\/files$/.test(path) ? 'malformed_upload' : undefined;
    case 'too_large':
    case 'unsupported_media_type':
      return /\/files$/.test(path) ? 'malformed_upload' : undefined;
    default:
      return undefined;
  }
}

export class SecurityEvents {
  constructor(private readonly deps: SecurityEventsDeps) {}

  /**
   * onRequest, for a request that reads case data: counts the bytes its answer sends, and logs an answer that
   * ends before it was all sent (a download cut at 93%), which no onResponse would (issue 26 item 3).
   */
  track(request: FastifyRequest, reply: FastifyReply): void {
    if (!readsCaseData(request, request.url.split('?')[0]!)) return;
    const counter: Sent = { bytes: 0, streamed: false };
    sent.set(request, counter);
    const raw = reply.raw;
    const write = raw.write.bind(raw) as (...args: unknown[]) => boolean;
    const end = raw.end.bind(raw) as (...args: unknown[]) => typeof raw;
    const count = (chunk: unknown): void => {
      if (typeof chunk === 'string') counter.bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) counter.bytes += chunk.byteLength;
    };
    raw.write = ((chunk: unknown, ...rest: unknown[]) => (count(chunk), write(chunk, ...rest))) as typeof raw.write;
    raw.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') count(chunk);
      return end(chunk, ...rest);
    }) as typeof raw.end;
    raw.once('close', () => {
      if (raw.writableFinished) return;
      const outcome = raw.headersSent
        ? `aborted ${reply.statusCode} after ${counter.bytes} bytes`
        : 'cut before an answer';
      void this.logRead(request, outcome).catch((err) =>
        console.error(`[server] an aborted read could not be logged: ${(err as Error).message}`),
      );
    });
  }

  /** onSend: an answer that streams case data (a package, a statement, a letter) is logged as it starts. */
  async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const counter = sent.get(request);
    if (!counter || reply.statusCode >= 400 || typeof (payload as { pipe?: unknown })?.pipe !== 'function') return;
    counter.streamed = true;
    await this.logRead(request, `started ${reply.statusCode}`);
  }

  /** One access-log entry about this request: who (session or link), which route, which case, what came of it. */
  private async logRead(request: FastifyRequest, outcome: string): Promise<void> {
    const params = (request.params ?? {}) as Record<string, string>;
    const link = params.token ? verifyLinkToken(this.deps.keyring, tokenFromLink(params.token), Date.now()) : undefined;
    const claims = link && (link.ok ? link.claims : link.claims);
    const session = request.session;
    await this.deps.accessLog.append({
      actor: session ? `user:${session.username}` : claims ? `vendor-link:${claims.task}` : 'anonymous',
      role: session?.role ?? (claims ? 'vendor' : 'anonymous'),
      action: `${request.method} ${pathForLog(request)}`, // the route pattern: a token never reaches the log
      ...(params.caseId ? { caseId: params.caseId } : claims ? { caseId: claims.caseId } : {}),
      outcome,
      ip: addressOf(request),
      userAgent: String(request.headers['user-agent'] ?? ''),
    });
  }

  /** onResponse: one access-log entry per case request; one intrusion event per suspicious refusal. */
  async onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?')[0]!;
    const refusal = request.refusal;
    const ip = addressOf(request);
    const userAgent = String(request.headers['user-agent'] ?? '');
    if (readsCaseData(request, path)) {
      const streamed = sent.get(request);
      await this.logRead(
        request,
        refusal
          ? `refused ${reply.statusCode} ${refusal.code}`
          : `${reply.statusCode < 400 ? 'ok' : 'failed'} ${reply.statusCode}${streamed?.streamed ? `, complete: ${streamed.bytes} bytes` : ''}`,
      );
    }
    const kind = refusal ? intrusionKind(request, refusal) : undefined;
    if (refusal) this.deps.metrics?.refusals.inc({ code: refusal.code });
    if (kind) {
      this.deps.metrics?.intrusions.inc({ kind });
      await this.deps.accessLog.recordIntrusion({
        kind,
        ip,
        userAgent,
        path: pathForLog(request),
        reason: refusal!.message,
      });
      await this.maybeAlert(ip);
    }
  }

  private async maybeAlert(ip: string): Promise<void> {
    const now = Date.now();
    const { count, windowMs } = this.deps.burst;
    // Counted in the database, nothing read or opened: a refusal costs the same after 3,500 as after one.
    const recent = await this.deps.accessLog.intrusionCounts({ ip, from: now - windowMs });
    if (recent.total < count) return;
    if (!(await this.deps.counters.claimOnce(`intrusion burst|${ip}`, windowMs, now))) return; // once per burst, on any server
    const alert = this.deps.alert;
    const recipients = (await alert?.recipients()) ?? [];
    if (!alert || recipients.length === 0) return;
    const host = new URL(alert.publicUrl).hostname || 'disposition.local';
    try {
      await alert.transport.send({
        messageId: `<intrusion-burst.${ip.replace(/[^A-Za-z0-9.]/g, '_')}.${recent.firstAt}@${host}>`,
        from: alert.from,
        to: recipients,
        subject: `Alert: ${recent.total} refused requests from ${ip} in ${Math.round(windowMs / 60_000)} minutes`,
        text: [
          `Disposition refused ${recent.total} requests from ${ip} between ${new Date(recent.firstAt).toISOString()} and ${new Date(recent.lastAt).toISOString()} (7400.1 I.C).`,
          Object.entries(recent.byKind)
            .map(([kind, n]) => `- ${kind}: ${n}`)
            .join('\n'),
          `The intrusion analysis: ${alert.publicUrl}/api/intrusions/analysis?format=pdf`,
          'You get one alert per burst from a source.',
        ].join('\n\n'),
        headers: { 'X-Disposition-Mail': 'intrusion_alert' },
      });
    } catch (err) {
      console.error(`[server] the intrusion alert could not be sent: ${(err as Error).message}`);
    }
  }
}
