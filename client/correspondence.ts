// The correspondence file of a case: every message sent for it, as the .eml the mail server was given, with an
// index in CSV and JSON (when, to whom, what, and how its delivery went). What a district hands over when a
// public-records request asks for its correspondence with a vendor.
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import type { CaseMessage } from '../infra/database/case-record-store';
import { entryName } from '../infra/package/zip-records';
import { ZipWriter } from '../infra/package/zip-writer';
import { toCsv } from '../domain/csv';

const DEFLATE = 8;

/** `003-2026-12-02T00-46-20Z-notice-vendor.eml`: in order, and readable in a file list. */
const fileOf = (m: CaseMessage, index: number): string =>
  `${String(index + 1).padStart(3, '0')}-${new Date(m.attemptedAt).toISOString().slice(0, 19).replace(/:/g, '-')}Z-${m.kind}-${m.audience}.eml`;

export function correspondenceIndex(messages: CaseMessage[]) {
  return messages.map((m, i) => ({
    file: m.eml ? `messages/${fileOf(m, i)}` : null,
    messageId: m.messageId,
    at: new Date(m.attemptedAt).toISOString(),
    kind: m.kind,
    audience: m.audience,
    recipients: m.recipients,
    subject: m.subject,
    outcome: m.outcome,
    attempts: m.attempts,
    detail: m.detail,
  }));
}

export async function correspondenceZip(caseId: string, messages: CaseMessage[], now = Date.now()): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => sink.on('end', resolve));
  const zip = new ZipWriter(sink);
  const add = async (path: string, data: Buffer, mtime: number): Promise<void> => {
    await zip.addEntry({ ...entryName(path), method: DEFLATE, mtime }, { crc32: zlib.crc32(data), size: data.length }, [
      zlib.deflateRawSync(data),
    ]);
  };
  const index = correspondenceIndex(messages);
  for (const [i, m] of messages.entries()) if (m.eml) await add(index[i]!.file!, m.eml, m.attemptedAt);
  await add(
    'index.csv',
    Buffer.from(
      toCsv(
        ['file', 'message_id', 'at', 'kind', 'audience', 'recipients', 'subject', 'outcome', 'attempts', 'detail'],
        index.map((e) => [
          e.file ?? '',
          e.messageId,
          e.at,
          e.kind,
          e.audience,
          e.recipients.join(' '),
          e.subject,
          e.outcome,
          e.attempts,
          e.detail,
        ]),
      ),
    ),
    now,
  );
  await add(
    'index.json',
    Buffer.from(`${JSON.stringify({ caseId, exportedAt: new Date(now).toISOString(), messages: index }, null, 2)}\n`),
    now,
  );
  await zip.finish();
  await ended;
  return Buffer.concat(chunks);
}
