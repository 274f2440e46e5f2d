// A real SMTP server (smtp-server) that keeps what it receives, parsed, for the tests to read.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { CODE_IN_MAIL } from '../../domain/mail';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  /** The HTML alternative, when the message has one. */
  html: string;
  headers: ParsedMail['headers'];
  attachments: { filename?: string; contentType: string; content: Buffer }[];
}

export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer;
  private waiters: (() => void)[] = [];
  /** While set, connections are refused with a temporary failure (a mail server that is down). */
  refusing = false;
  /** The port it listens on, once started. */
  port = 0;
  private stopped = false;

  constructor() {
    this.server = this.createServer();
  }

  private createServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        if (this.refusing) return callback(Object.assign(new Error('mail service unavailable'), { responseCode: 421 }));
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            const addresses = (field: ParsedMail['to']): string[] =>
              (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
            this.mails.push({
              messageId: parsed.messageId ?? '',
              to: addresses(parsed.to),
              cc: addresses(parsed.cc),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers: parsed.headers,
              attachments: parsed.attachments.map((a) => ({
                ...(a.filename ? { filename: a.filename } : {}),
                contentType: a.contentType,
                content: a.content,
              })),
            });
            this.waiters.splice(0).forEach((wake) => wake());
            callback();
          })
          .catch(callback);
      },
    });
    // A sender that dies mid-session (a worker SIGKILLed while mailing) resets its connection: smtp-server emits that
    // as 'error', which unheard would end the test run. The message it did not finish is simply not received.
    server.on('error', () => undefined);
    return server;
  }

  /** Listens on `port` (any free one unless given: a restart after stop() passes the old one). */
  async start(port = 0): Promise<string> {
    if (!this.server.server.listening && this.stopped) this.server = this.createServer();
    this.stopped = false;
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    const { port: listening } = this.server.server.address() as AddressInfo;
    this.port = listening;
    return `smtp://127.0.0.1:${listening}`;
  }

  /** Waits for a message matching `match`, up to `timeoutMs`. */
  async waitFor(
    match: (mail: ReceivedMail) => boolean,
    timeoutMs = 30_000,
    what = 'a matching message',
  ): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no ${what} arrived within ${timeoutMs} ms; received: ${this.mails.map((m) => m.subject).join(' | ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops listening: connections are refused at the TCP level until start() again. */
  stop(): Promise<void> {
    this.stopped = true;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The vendor link in a message, as the vendor would click it. */
export function linkIn(mail: ReceivedMail): string {
  const match = /(https?:\/\/\S+\/v\/[A-Za-z0-9._-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link in "${mail.subject}"`);
  return match[1]!;
}

/** The one-time code in a signatory's code mail (docs/architecture.md, "The signatory check"). */
export function signatoryCodeIn(text: string): string {
  const code = CODE_IN_MAIL.exec(text)?.[1];
  if (!code) throw new Error(`no code in: ${text}`);
  return code;
}

/** The claims of a vendor link token (`v1.<kid>.<payload>.<sig>`), read without its key: which case and task. */
export function linkClaims(token: string): { c: string; t: string; g: number } {
  const payload = token.split('.')[2];
  if (!payload) throw new Error(`"${token.slice(0, 20)}…" is not a link token`);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c: string; t: string; g: number };
}
