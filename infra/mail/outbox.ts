// The outbox, read back: with no SMTP_URL every message is written to DATA_DIR/outbox (mail-transport.ts), and the
// administrators read it on the console's Outbox page, newest first. Only on one machine: with a shared database
// (DATABASE_URL) each machine's outbox holds only what it sent, so the page is not offered.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { OutboxEntry } from './mail-transport';

export type { OutboxEntry };

/** Whether this server writes mail to its outbox and may show it. */
export const outboxShown = (config: Pick<Config, 'smtpUrl' | 'databaseUrl'>): boolean =>
  !config.smtpUrl && !config.databaseUrl;

export const outboxDir = (config: Pick<Config, 'dataDir'>): string => path.join(config.dataDir, 'outbox');

const ID = /^[A-Za-z0-9_.@-]{1,200}$/;

/** The messages, newest first, `limit` of them after `offset`; `total` counts them all. */
export function listOutbox(dir: string, limit = 50, offset = 0): { total: number; messages: OutboxEntry[] } {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return { total: 0, messages: [] };
  }
  const entries = names
    .map((name) => readEntry(path.join(dir, name)))
    .filter((entry): entry is OutboxEntry => entry !== undefined)
    .sort((a, b) => b.sentAt - a.sentAt || a.id.localeCompare(b.id));
  return { total: entries.length, messages: entries.slice(offset, offset + limit) };
}

/** One message by its id (the file name), or undefined. */
export function readOutboxMessage(dir: string, id: string): OutboxEntry | undefined {
  return ID.test(id) && !id.startsWith('.') ? readEntry(path.join(dir, `${id}.json`)) : undefined;
}

function readEntry(file: string): OutboxEntry | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as OutboxEntry;
  } catch {
    return undefined;
  }
}
