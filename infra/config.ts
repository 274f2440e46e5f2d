// Configuration from the environment; every setting has a default so `npm start` runs on a fresh machine.
import path from 'node:path';
import { parseDuration } from '../domain/durations';

export interface Config {
  port: number;
  publicUrl: string;
  dataDir: string;
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
  retentionMs: number;
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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(`${name}="${text}" must be a positive whole number`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 3000);
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL="${publicUrl}" is not a URL`);
  }
  return {
    port,
    publicUrl,
    dataDir,
    keysDir: path.resolve(env.KEYS_DIR || path.join(dataDir, 'keys')),
    ...(env.TEMPORAL_ADDRESS ? { temporalAddress: env.TEMPORAL_ADDRESS } : {}),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TASK_QUEUE || 'disposition',
    ...(env.SMTP_URL ? { smtpUrl: env.SMTP_URL } : {}),
    mailFrom: env.MAIL_FROM || 'Disposition <disposition@localhost>',
    ...(env.ADMIN_EMAIL ? { adminEmail: env.ADMIN_EMAIL } : {}),
    districtName: env.DISTRICT_NAME || 'The School District',
    linkGraceMs: duration(env, 'LINK_GRACE', '14 days'),
    uploadMaxBytes: integer(env, 'UPLOAD_MAX_BYTES', 10 * 1024 ** 3),
    retentionMs: duration(env, 'RETENTION', '7 years'),
  };
}
