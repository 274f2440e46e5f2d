// Configuration from the environment; every setting has a default so `npm start` runs on a fresh machine.
import fs from 'node:fs';
import path from 'node:path';
import {
  agreementRegistry,
  agreementsFileSchema,
  BUILT_IN_AGREEMENTS,
  type AgreementRegistry,
} from '../domain/agreements';
import { describeZodErrorByPath } from '../domain/messages';
import { parseDuration } from '../domain/durations';
import { parseByteSize } from '../domain/sizes';
import { parseStorageUrl, StorageUrlError } from './storage/storage-url';
import { dataPlaces } from './data-places';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The button's words: "Sign in with <name>". */
  name: string;
  /** The claim whose values give a role (`groups` unless OIDC_ROLE_CLAIM says otherwise). */
  roleClaim: string;
  adminValues: string[];
  legalValues: string[];
  /** Scopes asked beyond openid, profile and email (OIDC_SCOPES: a provider that gives groups for a scope). */
  scopes: string[];
}

export interface Config {
  port: number;
  publicUrl: string;
  dataDir: string;
  /** Case files in an S3-compatible bucket (STORAGE_URL) instead of under dataDir. */
  storageUrl?: string;
  keysDir: string;
  temporalAddress?: string;
  namespace: string;
  taskQueue: string;
  smtpUrl?: string;
  mailFrom: string;
  adminEmail?: string;
  districtName: string;
  linkGraceMs: number;
  uploadMaxBytes: number;
  /** A connection that sends and receives nothing this long is closed (IDLE_TIMEOUT): a stalled upload ends. */
  idleTimeoutMs: number;
  retentionMs: number;
  /** How often the audit checkpoint (both logs' signed heads) is mailed to the administrators (AUDIT_CHECKPOINT_EVERY). */
  auditCheckpointEveryMs: number;
  /** The server's structured log (JSON lines on stdout, one per request with its id): LOG_LEVEL, `info` unless set. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The shortest reminder cadence a case may ask for (REMINDER_MIN): a vendor is not mailed every minute. */
  minReminderMs: number;
  /** Intrusion events from one source within the window that make a burst (7400.1 I.C alerts). */
  intrusionBurst: { count: number; windowMs: number };
  tls?: { certFile: string; keyFile: string };
  /** TLS ends at a proxy in front of us: trust its X-Forwarded-* headers. */
  trustProxy: boolean;
  /** Origins of Temporal's Web UI allowed to call the codec endpoint (TEMPORAL_UI_ORIGIN, comma-separated). */
  temporalUiOrigins: string[];
  /** Where the Prometheus listeners bind (METRICS_HOST): loopback unless said otherwise. */
  metricsHost: string;
  /** The HTTP server's Prometheus listener (METRICS_PORT); none when unset. */
  metricsPort?: number;
  /** The worker's (WORKER_METRICS_PORT), with the Temporal SDK's own metrics; none when unset. */
  workerMetricsPort?: number;
  /** Single sign-on with the district's OpenID Connect provider (OIDC_*); none when OIDC_ISSUER is unset. */
  oidc?: OidcSettings;
  /** OpenTelemetry traces sent to an OTLP/HTTP receiver (OTEL_EXPORTER_OTLP_*); none when no endpoint is set. */
  tracing?: TracingSettings;
  /** PASSWORD_SIGN_IN=false: only break-glass accounts sign in with a password (the rest through OIDC). */
  passwordSignIn: boolean;
  /** PostgreSQL for the case record, accounts and logs (several machines); unset: SQLite in DATA_DIR. */
  databaseUrl?: string;
  /** Temporal Cloud's API key (TEMPORAL_API_KEY): sent over TLS. */
  temporalApiKey?: string;
  /** mTLS to a Temporal cluster (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY; TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME optional). */
  temporalTls?: { certFile: string; keyFile: string; caFile?: string; serverName?: string };
  /** Agreement presets: the built-in ones, and the district's from AGREEMENTS_FILE (domain/agreements.ts). */
  agreements: AgreementRegistry;
  /** The district's own statement-signing certificate and key (SIGNING_P12, SIGNING_P12_PASSPHRASE); unset: the keyring's self-signed one. */
  signingP12?: { file: string; passphrase: string };
  /** An RFC 3161 time-stamp authority (TSA_URL): statements are signed at PAdES B-T instead of B-B. */
  tsaUrl?: string;
  /** The most a case may hold of staged returned files, unless an administrator set the case's own (CASE_STORAGE_LIMIT). */
  caseStorageLimit: number;
  /** A JSON or form body that has not arrived this long after its request began is cut (BODY_DEADLINE). */
  bodyDeadlineMs: number;
  /** At most this many open connections from one address (CONNECTIONS_PER_ADDRESS); none counted behind a proxy. */
  connectionsPerAddress: number;
  /** Webhooks may reach loopback, private, link-local and metadata addresses (WEBHOOK_ALLOW_PRIVATE=true). */
  webhookAllowPrivate: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const text = env[name] ?? fallback;
  const ms = parseDuration(text);
  if (ms === undefined) throw new ConfigError(`${name}="${text}" is not a duration such as "14 days"`);
  return ms;
}

function byteSize(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const text = env[name] || fallback;
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes <= 0)
    throw new ConfigError(`${name}="${text}" is not a size such as "100 GiB" or a number of bytes`);
  return bytes;
}

/** AGREEMENTS_FILE: read and checked at start, so a typo stops the process with the line to fix. */
function agreementsFile(file: string): AgreementRegistry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`AGREEMENTS_FILE="${file}" cannot be read as JSON: ${(err as Error).message}`);
  }
  const checked = agreementsFileSchema.safeParse(parsed);
  if (!checked.success) throw new ConfigError(`AGREEMENTS_FILE="${file}": ${describeZodErrorByPath(checked.error)}`);
  try {
    return agreementRegistry(checked.data);
  } catch (err) {
    throw new ConfigError(`AGREEMENTS_FILE="${file}": ${(err as Error).message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
function logLevel(text: string | undefined): Config['logLevel'] {
  if (text === undefined || text === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(text))
    throw new ConfigError(`LOG_LEVEL="${text}" must be one of ${LOG_LEVELS.join(', ')}`);
  return text as Config['logLevel'];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const listOf = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** OIDC_*: all three of issuer, client id and secret, a claim value for at least one role, https off loopback. */
export interface TracingSettings {
  /** Where spans are posted: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME, else `disposition`. */
  serviceName: string;
}

/** The standard OpenTelemetry variables: off unless an endpoint is named, and off again with OTEL_SDK_DISABLED=true. */
function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const named = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT }
    : env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
          url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
        }
      : undefined;
  if (!named) return undefined;
  let url: URL;
  try {
    url = new URL(named.url);
  } catch {
    throw new ConfigError(`${named.name}="${env[named.name]}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(
      `${named.name}="${env[named.name]}" must be an http:// or https:// URL (spans go out as OTLP over HTTP)`,
    );
  return { tracesUrl: url.href, serviceName: env.OTEL_SERVICE_NAME || 'disposition' };
}

function oidcSettings(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  if (!env.OIDC_ISSUER) {
    const stray = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'].find((name) => env[name]);
    if (stray) throw new ConfigError(`${stray} is set but OIDC_ISSUER is not: set the provider's issuer URL too`);
    return undefined;
  }
  let issuer: URL;
  try {
    issuer = new URL(env.OIDC_ISSUER);
  } catch {
    throw new ConfigError(`OIDC_ISSUER="${env.OIDC_ISSUER}" is not a URL`);
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname)))
    throw new ConfigError(
      `OIDC_ISSUER="${env.OIDC_ISSUER}" must be https:// (http:// only for a provider on this machine's loopback address)`,
    );
  for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'])
    if (!env[name]) throw new ConfigError(`${name} is required with OIDC_ISSUER (as registered with the provider)`);
  const adminValues = listOf(env.OIDC_ADMIN_VALUES);
  const legalValues = listOf(env.OIDC_LEGAL_VALUES);
  if (adminValues.length + legalValues.length === 0)
    throw new ConfigError(
      'with OIDC_ISSUER, set OIDC_ADMIN_VALUES and/or OIDC_LEGAL_VALUES: the claim values (groups) that give each role',
    );
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID!,
    clientSecret: env.OIDC_CLIENT_SECRET!,
    name: env.OIDC_NAME || issuer.hostname,
    roleClaim: env.OIDC_ROLE_CLAIM || 'groups',
    adminValues,
    legalValues,
    scopes: (env.OIDC_SCOPES ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

function passwordSignIn(env: NodeJS.ProcessEnv): boolean {
  const text = env.PASSWORD_SIGN_IN;
  if (text === undefined || text === '' || text === 'true') return true;
  if (text !== 'false') throw new ConfigError(`PASSWORD_SIGN_IN="${text}" must be true or false`);
  if (!env.OIDC_ISSUER)
    throw new ConfigError(
      'PASSWORD_SIGN_IN=false needs single sign-on (OIDC_ISSUER): nobody but break-glass accounts could sign in',
    );
  return false;
}

/** A TCP port, or undefined when the setting is unset. */
function optionalPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new ConfigError(`${name}="${text}" must be a port number from 1 to 65535`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${name}="${text}" must be a positive whole number`);
  return value;
}

/** Checked now, so a mistyped STORAGE_URL stops the start instead of the first upload. */
function storageUrl(env: NodeJS.ProcessEnv): string {
  const text = env.STORAGE_URL!;
  try {
    parseStorageUrl(text, env);
  } catch (err) {
    if (err instanceof StorageUrlError) throw new ConfigError(err.message);
    throw err;
  }
  return text;
}

function tlsFiles(env: NodeJS.ProcessEnv): { certFile: string; keyFile: string } {
  if (!env.TLS_CERT || !env.TLS_KEY) throw new ConfigError('TLS_CERT and TLS_KEY go together: set both, or neither');
  return { certFile: path.resolve(env.TLS_CERT), keyFile: path.resolve(env.TLS_KEY) };
}

export const isLoopbackUrl = (url: string): boolean => {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
};

/**
 * 7400.1 I.F: student data crosses the network encrypted. A public URL beyond this machine needs TLS here
 * (TLS_CERT/TLS_KEY) or at a proxy in front (TRUST_PROXY); plain http is only for loopback.
 */
export function checkTransportSecurity(config: Config): void {
  if (config.tls || config.trustProxy || isLoopbackUrl(config.publicUrl)) return;
  throw new ConfigError(
    `PUBLIC_URL=${config.publicUrl} is reachable beyond this machine, but the server has no TLS: set TLS_CERT and TLS_KEY, or TRUST_PROXY=1 when TLS ends at a proxy in front (7400.1 I.F)`,
  );
}

function temporalTls(env: NodeJS.ProcessEnv): NonNullable<Config['temporalTls']> {
  if (!env.TEMPORAL_TLS_CERT || !env.TEMPORAL_TLS_KEY)
    throw new ConfigError(
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: the client certificate and its key (PEM files)',
    );
  return {
    certFile: env.TEMPORAL_TLS_CERT,
    keyFile: env.TEMPORAL_TLS_KEY,
    ...(env.TEMPORAL_TLS_CA ? { caFile: env.TEMPORAL_TLS_CA } : {}),
    ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverName: env.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}

function signingP12(env: NodeJS.ProcessEnv): NonNullable<Config['signingP12']> {
  if (!env.SIGNING_P12)
    throw new ConfigError(
      "SIGNING_P12_PASSPHRASE is set but SIGNING_P12 is not: name the PKCS#12 file that holds the district's signing certificate and key",
    );
  return { file: path.resolve(env.SIGNING_P12), passphrase: env.SIGNING_P12_PASSPHRASE ?? '' };
}

function tsaUrl(url: string): string {
  if (!/^https?:\/\//.test(url))
    throw new ConfigError(`TSA_URL="${url}" must be the http(s) URL of an RFC 3161 time-stamp authority`);
  return url;
}

function databaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new ConfigError(
      'DATABASE_URL must be a postgres:// URL (unset it to keep the case record in SQLite under DATA_DIR)',
    );
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 3000);
  const { dataDir, keysDir, districtName } = dataPlaces(env);
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  const oidc = oidcSettings(env);
  const tracing = tracingSettings(env);
  const metricsPort = optionalPort(env, 'METRICS_PORT');
  const workerMetricsPort = optionalPort(env, 'WORKER_METRICS_PORT');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL="${publicUrl}" is not a URL`);
  }
  return {
    port,
    publicUrl,
    dataDir,
    ...(env.STORAGE_URL ? { storageUrl: storageUrl(env) } : {}),
    keysDir,
    ...(env.TEMPORAL_ADDRESS ? { temporalAddress: env.TEMPORAL_ADDRESS } : {}),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TASK_QUEUE || 'disposition',
    ...(env.SMTP_URL ? { smtpUrl: env.SMTP_URL } : {}),
    mailFrom: env.MAIL_FROM || 'Disposition <disposition@localhost>',
    ...(env.ADMIN_EMAIL ? { adminEmail: env.ADMIN_EMAIL } : {}),
    districtName,
    linkGraceMs: duration(env, 'LINK_GRACE', '14 days'),
    uploadMaxBytes: integer(env, 'UPLOAD_MAX_BYTES', 10 * 1024 ** 3),
    idleTimeoutMs: duration(env, 'IDLE_TIMEOUT', '60 seconds'),
    retentionMs: duration(env, 'RETENTION', '7 years'),
    auditCheckpointEveryMs: duration(env, 'AUDIT_CHECKPOINT_EVERY', '1 day'),
    minReminderMs: duration(env, 'REMINDER_MIN', '1 hour'),
    logLevel: logLevel(env.LOG_LEVEL),
    intrusionBurst: {
      count: integer(env, 'INTRUSION_BURST', 20),
      windowMs: duration(env, 'INTRUSION_WINDOW', '5 minutes'),
    },
    ...(env.TLS_CERT || env.TLS_KEY ? { tls: tlsFiles(env) } : {}),
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    caseStorageLimit: byteSize(env, 'CASE_STORAGE_LIMIT', '100 GiB'),
    bodyDeadlineMs: duration(env, 'BODY_DEADLINE', '60 seconds'),
    connectionsPerAddress: integer(env, 'CONNECTIONS_PER_ADDRESS', 128),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === '1' || env.WEBHOOK_ALLOW_PRIVATE === 'true',
    ...(env.DATABASE_URL ? { databaseUrl: databaseUrl(env.DATABASE_URL) } : {}),
    ...(env.TEMPORAL_API_KEY ? { temporalApiKey: env.TEMPORAL_API_KEY } : {}),
    ...(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_KEY ? { temporalTls: temporalTls(env) } : {}),
    agreements: env.AGREEMENTS_FILE ? agreementsFile(env.AGREEMENTS_FILE) : BUILT_IN_AGREEMENTS,
    ...(env.SIGNING_P12 || env.SIGNING_P12_PASSPHRASE ? { signingP12: signingP12(env) } : {}),
    ...(env.TSA_URL ? { tsaUrl: tsaUrl(env.TSA_URL) } : {}),
    ...(oidc ? { oidc } : {}),
    ...(tracing ? { tracing } : {}),
    passwordSignIn: passwordSignIn(env),
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    ...(metricsPort ? { metricsPort } : {}),
    ...(workerMetricsPort ? { workerMetricsPort } : {}),
    temporalUiOrigins: (env.TEMPORAL_UI_ORIGIN || 'http://localhost:8233,http://127.0.0.1:8233')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  };
}
