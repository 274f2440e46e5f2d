// One template set, two renderings: every message is a list of blocks, written out as plain text and as HTML
// (sent together as multipart/alternative, so each reader shows the one it can). The HTML is plain and inline-
// styled, as mail readers want it: the district's name on top, the task's button, the due date in words and
// in ISO 8601, and the same link written out for readers that strip buttons.
import { MONTHS } from '../../domain/dates';
import { daysLeftInWords } from '../../domain/enforcement';
import { html, type Markup } from '../../presentation/markup';

export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'list'; lead?: string; items: string[] }
  /** The one thing to do: a button (HTML) or the link on its own line (text), with its due time. */
  | { kind: 'action'; label: string; url: string; dueAt?: number; note?: string };

export interface MailMessage {
  subject: string;
  /** What the message is about in a few words, the HTML's heading ("Return all student data"). */
  heading: string;
  blocks: Block[];
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Monday 11 January 2027, 17:00 UTC": a due time a person reads at a glance. */
export function dueInWords(ms: number): string {
  const d = new Date(ms);
  const time = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${time} UTC`;
}

/** The due time as words, then as ISO 8601 for calendars and scripts. */
/** A due time with its days left as of the mail's sending: "Monday 11 January 2027, 17:00 UTC (14 days left)". */
export const dueText = (ms: number): string => `${dueInWords(ms)} (${daysLeftInWords(ms, Date.now())})`;

function blockText(block: Block): string {
  switch (block.kind) {
    case 'p':
      return block.text;
    case 'list':
      return [block.lead, ...block.items.map((item) => `- ${item}`)].filter((line) => line !== undefined).join('\n');
    case 'action':
      return [
        `${block.label}${block.dueAt !== undefined ? `, due ${dueText(block.dueAt)}` : ''}:\n${block.url}`,
        block.note,
      ]
        .filter(Boolean)
        .join('\n\n');
  }
}

const STYLE = {
  body: 'margin:0;padding:0;background:#f7f8fa;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2329;',
  card: 'max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d6dbe0;border-radius:6px;padding:24px;',
  district: 'margin:0 0 4px;font-size:13px;color:#5a6570;letter-spacing:.02em;',
  heading: 'margin:0 0 16px;font-size:20px;line-height:1.3;',
  p: 'margin:0 0 14px;font-size:15px;line-height:1.5;',
  button:
    'display:inline-block;padding:12px 20px;background:#1f5f99;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600;font-size:15px;',
  due: 'margin:8px 0 0;font-size:14px;color:#1d2329;',
  small: 'margin:0 0 14px;font-size:13px;line-height:1.5;color:#5a6570;',
  link: 'word-break:break-all;color:#1f5f99;',
};

function blockHtml(block: Block): Markup {
  switch (block.kind) {
    case 'p':
      return html`<p style="${STYLE.p}">${lines(block.text)}</p>`;
    case 'list':
      return html`${block.lead ? html`<p style="${STYLE.p}">${block.lead}</p>` : ''}<ul style="${STYLE.p}padding-left:20px;">${block.items.map((item) => html`<li>${item}</li>`)}</ul>`;
    case 'action':
      return html`<div style="margin:20px 0;"><a href="${block.url}" style="${STYLE.button}">${block.label}</a>
${block.dueAt !== undefined ? html`<p style="${STYLE.due}">Due <strong>${dueInWords(block.dueAt)}</strong> <span style="color:#5a6570;">(${daysLeftInWords(block.dueAt, Date.now())})</span></p>` : ''}
<p style="${STYLE.small}">If the button does not work, open this address: <a href="${block.url}" style="${STYLE.link}">${block.url}</a></p>
${block.note ? html`<p style="${STYLE.small}">${block.note}</p>` : ''}</div>`;
  }
}

/** Line breaks inside a paragraph kept as <br>. */
const lines = (text: string): Markup[] => text.split('\n').map((line, i) => html`${i ? html`<br>` : ''}${line}`);

export function renderMail(message: MailMessage, district: string, signature: string): RenderedMail {
  const text = `${message.blocks.map(blockText).join('\n\n')}\n\n${signature}`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${message.subject}</title></head>
<body style="${STYLE.body}"><div style="padding:16px;"><div style="${STYLE.card}">
<p style="${STYLE.district}">${district}</p>
<h1 style="${STYLE.heading}">${message.heading}</h1>
${message.blocks.map(blockHtml)}
<p style="${STYLE.small}border-top:1px solid #d6dbe0;padding-top:12px;">${lines(signature)}</p>
</div></div></body></html>`;
  return { subject: message.subject, text, html: body.value };
}
