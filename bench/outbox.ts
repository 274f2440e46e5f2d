// The mail a benchmark waits on, as a vendor or an administrator would: the .eml files the worker writes into
// DATA_DIR/outbox when no SMTP_URL is set, one per Message-ID (`<mail id>.<audience>.<case id>@<host>.eml`).
import fs from 'node:fs';
import path from 'node:path';
import { CODE_IN_MAIL } from '../domain/mail';

export interface OutboxMail {
  mailId: string;
  audience: string;
  caseId: string;
  /** The vendor link's token, for a message that carries one. */
  token?: string;
  /** A signatory's one-time code (`signatory-code-…` messages, kept under the id `signatory-code`). */
  code?: string;
  seenAt: number;
}

const NAME = /^(.+)\.(vendor|district)\.([A-Za-z0-9]+)@[^/]*\.eml$/;

/** What `pattern` captures in a message, through quoted-printable soft line breaks or base64 bodies. */
function foundIn(eml: string, pattern: RegExp): string | undefined {
  const plain = eml.replace(/=\r?\n/g, '');
  const direct = pattern.exec(plain);
  if (direct) return direct[1];
  for (const block of plain.split(/\r?\n\r?\n/)) {
    if (!/^[A-Za-z0-9+/=\r\n]{40,}$/.test(block.trim())) continue;
    const decoded = pattern.exec(Buffer.from(block, 'base64').toString('utf8'));
    if (decoded) return decoded[1];
  }
  return undefined;
}
const tokenIn = (eml: string) => foundIn(eml, /\/v\/([A-Za-z0-9._-]{20,})/);
const codeIn = (eml: string) => foundIn(eml, CODE_IN_MAIL);

export class Outbox {
  private readonly mails = new Map<string, OutboxMail>();
  private readonly seen = new Set<string>();
  private waiters: { key: string; resolve: (mail: OutboxMail) => void }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly everyMs = 20,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.scan(), this.everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private scan(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return; // no mail yet
    }
    const now = Date.now();
    for (const name of names) {
      if (this.seen.has(name)) continue;
      const match = NAME.exec(name);
      if (!match) {
        this.seen.add(name);
        continue;
      }
      const [, named, audience, caseId] = match as unknown as [string, string, string, string];
      const mailId = named.startsWith('signatory-code-') ? 'signatory-code' : named;
      let token: string | undefined;
      let code: string | undefined;
      if (audience === 'vendor' && mailId.startsWith('notice-')) {
        token = tokenIn(fs.readFileSync(path.join(this.dir, name), 'utf8'));
        if (!token) continue; // still being written: look again next time
      }
      if (mailId === 'signatory-code') {
        code = codeIn(fs.readFileSync(path.join(this.dir, name), 'utf8'));
        if (!code) continue;
      }
      this.seen.add(name);
      const mail: OutboxMail = {
        mailId,
        audience,
        caseId,
        ...(token ? { token } : {}),
        ...(code ? { code } : {}),
        seenAt: now,
      };
      const key = `${mailId}|${audience}|${caseId}`;
      this.mails.set(key, mail);
      this.waiters = this.waiters.filter((w) => (w.key === key ? (w.resolve(mail), false) : true));
    }
  }

  waitFor(mailId: string, audience: 'vendor' | 'district', caseId: string, timeoutMs = 300_000): Promise<OutboxMail> {
    const key = `${mailId}|${audience}|${caseId}`;
    const found = this.mails.get(key);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${mailId} mail to the ${audience} of case ${caseId} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      this.waiters.push({
        key,
        resolve: (mail) => {
          clearTimeout(timer);
          resolve(mail);
        },
      });
    });
  }

  count(mailId: string, audience: 'vendor' | 'district'): number {
    let n = 0;
    for (const mail of this.mails.values()) if (mail.mailId === mailId && mail.audience === audience) n += 1;
    return n;
  }
}
