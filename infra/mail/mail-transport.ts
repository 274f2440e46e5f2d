// Mail goes through SMTP_URL, or, when none is set, into DATA_DIR/outbox as .eml files (one per Message-ID).
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';

export interface OutgoingMail {
  messageId: string;
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  /** The same message as HTML: sent with the text as multipart/alternative. */
  html?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
  headers?: Record<string, string>;
}

/** What was sent: the message's bytes as they left (kept in the case's correspondence file), and the server's answer. */
export interface SentMail {
  raw: Buffer;
  /** The SMTP server's reply ("250 2.0.0 OK …"), or where the outbox wrote the file. */
  response: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

// Every message is composed once into its bytes, then sent or written as those bytes: what the correspondence
// file keeps is what the server was given.
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
async function compose(mail: OutgoingMail): Promise<Buffer> {
  return ((await composer.sendMail(toNodemailer(mail))) as unknown as { message: Buffer }).message;
}
const addressOf = (from: string): string => /<([^>]+)>/.exec(from)?.[1] ?? from;

const toNodemailer = (mail: OutgoingMail): Mail.Options => ({
  messageId: mail.messageId,
  from: mail.from,
  to: mail.to,
  ...(mail.cc?.length ? { cc: mail.cc } : {}),
  subject: mail.subject,
  text: mail.text,
  ...(mail.html ? { html: mail.html } : {}),
  ...(mail.attachments ? { attachments: mail.attachments } : {}),
  ...(mail.headers ? { headers: mail.headers } : {}),
});

export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      const raw = await compose(mail);
      const info = await transport.sendMail({
        envelope: { from: addressOf(mail.from), to: [...mail.to, ...(mail.cc ?? [])] },
        raw,
      });
      return { raw, response: String((info as { response?: string }).response ?? 'accepted') };
    },
    close: () => transport.close(),
  };
}

/** A message as the outbox keeps it for its page (infra/mail/outbox.ts reads it). */
export interface OutboxEntry {
  /** The file name, from the Message-ID: `<id>.eml` and `<id>.json`. */
  id: string;
  sentAt: number;
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  caseId?: string;
  kind?: string;
  attachments: string[];
}

/** A Message-ID as a file name. */
export const outboxName = (messageId: string): string =>
  messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9_.@-]/g, '_');

/** Writes each message to `dir`, named after its Message-ID, so a repeat overwrites rather than duplicates. */
export function createOutboxTransport(dir: string, log: (line: string) => void = () => undefined): MailTransport {
  return {
    async send(mail) {
      const raw = await compose(mail);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const name = outboxName(mail.messageId);
      const file = path.join(dir, `${name}.eml`);
      fs.writeFileSync(file, raw, { mode: 0o600 });
      // Beside the .eml (for mail clients), what the outbox page reads: no MIME to decode there.
      const entry: OutboxEntry = {
        id: name,
        sentAt: Date.now(),
        from: mail.from,
        to: mail.to,
        ...(mail.cc?.length ? { cc: mail.cc } : {}),
        subject: mail.subject,
        text: mail.text,
        ...(mail.headers?.['X-Disposition-Case'] ? { caseId: mail.headers['X-Disposition-Case'] } : {}),
        ...(mail.headers?.['X-Disposition-Mail'] ? { kind: mail.headers['X-Disposition-Mail'] } : {}),
        attachments: (mail.attachments ?? []).map((a) => a.filename),
      };
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(entry), { mode: 0o600 });
      log(`mail "${mail.subject}" to ${mail.to.length} recipient(s) written to ${file}`);
      return { raw, response: 'written to the outbox (no SMTP_URL)' };
    },
    close: () => undefined,
  };
}

export function createMailTransport(
  config: { smtpUrl?: string; dataDir: string },
  log?: (line: string) => void,
): MailTransport {
  return config.smtpUrl
    ? createSmtpTransport(config.smtpUrl)
    : createOutboxTransport(path.join(config.dataDir, 'outbox'), log);
}
