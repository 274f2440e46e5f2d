// The outbox (no SMTP_URL): the messages Disposition sent, newest first, each readable in full with its links.
import type { OutboxEntry } from '../../infra/mail/outbox';
import { html, layout, when, type Markup, type PageOptions } from './html';

type User = NonNullable<PageOptions['user']>;

/** Plain text with its web addresses as links (each escaped; nothing else becomes markup). */
function withLinks(text: string): Markup[] {
  const parts: Markup[] = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g)) {
    parts.push(html`${text.slice(last, match.index)}`);
    parts.push(html`<a href="${match[0]}">${match[0]}</a>`);
    last = match.index + match[0].length;
  }
  parts.push(html`${text.slice(last)}`);
  return parts;
}

export function outboxPage(
  user: User,
  list: { total: number; messages: OutboxEntry[] },
  page: number,
  pageSize: number,
): string {
  const pages = Math.max(1, Math.ceil(list.total / pageSize));
  return layout(
    { title: 'Outbox', user },
    html`<h1>Outbox</h1>
<section>
<p>No mail server is set (<code>SMTP_URL</code>), so every message Disposition sends is kept here, newest first, and as an <code>.eml</code> file in <code>DATA_DIR/outbox</code> for a mail client. Open a message to follow its links as its recipient would.</p>
${
  list.messages.length
    ? html`<table class="stacked"><thead><tr><th scope="col">Sent</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Case</th></tr></thead><tbody>
${list.messages.map(
  (m) => html`<tr><td data-label="Sent">${when(m.sentAt)}</td><td data-label="To"><bdi>${m.to.join(', ')}</bdi></td>
<td data-label="Subject"><a href="/outbox/${m.id}"><bdi>${m.subject}</bdi></a></td><td data-label="Case">${m.caseId ? html`<a href="/cases/${m.caseId}">${m.caseId}</a>` : '—'}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="muted">Nothing was sent yet.</p>`
}
${pages > 1 ? html`<nav aria-label="Pages of messages" class="pager">${page > 1 ? html`<a href="/outbox?page=${page - 1}">Newer messages</a>` : ''} ${page < pages ? html`<a href="/outbox?page=${page + 1}" rel="next">Older messages</a>` : ''}</nav>` : ''}
</section>`,
  );
}

export function outboxMessagePage(user: User, m: OutboxEntry): string {
  return layout(
    { title: m.subject, user },
    html`<p><a href="/outbox">Back to the outbox</a></p>
<h1><bdi>${m.subject}</bdi></h1>
<section><dl class="facts">
  <dt>Sent</dt><dd>${when(m.sentAt)}</dd>
  <dt>From</dt><dd><bdi>${m.from}</bdi></dd>
  <dt>To</dt><dd><bdi>${m.to.join(', ')}</bdi></dd>
  ${m.cc?.length ? html`<dt>Copy to</dt><dd><bdi>${m.cc.join(', ')}</bdi></dd>` : ''}
  ${m.caseId ? html`<dt>Case</dt><dd><a href="/cases/${m.caseId}">${m.caseId}</a></dd>` : ''}
  ${m.attachments.length ? html`<dt>Attached</dt><dd>${m.attachments.join(', ')}</dd>` : ''}
</dl>
<p><a class="button secondary" href="/outbox/${m.id}.eml" download>Download as .eml</a></p></section>
<h2>The message</h2>
<section><div class="mail-text">${withLinks(m.text)}</div></section>`,
  );
}
