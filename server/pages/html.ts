// Server-rendered pages: a tagged template that escapes every value unless it is already markup.
export { escape, html, Markup } from '../../presentation/markup';
import { escape, html, type Markup } from '../../presentation/markup';

export { readableMoment as when } from '../../domain/dates';

export interface PageOptions {
  title: string;
  user?: { username: string; role: string; csrfToken: string; outbox?: boolean };
  scripts?: string[];
  /** A page that follows work in progress reloads itself (no JavaScript needed). */
  refreshSeconds?: number;
  /** A page that only hands on goes at once to this address of ours (no JavaScript needed). */
  continueTo?: string;
}

export function layout(options: PageOptions, body: Markup): string {
  const nav = options.user
    ? html`<nav aria-label="Main"><a href="/">Dashboard</a> <a href="/cases">Cases</a>${options.user.role === 'admin' ? html` <a href="/cases/new">New case</a> <a href="/settings/webhooks">Webhooks</a>${options.user.outbox ? html` <a href="/outbox">Outbox</a>` : ''}` : ''} <a href="/verify">Verify a statement</a>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${options.user.csrfToken}"><span class="who">${options.user.username} (${options.user.role})</span> <button type="submit" class="link">Sign out</button></form></nav>`
    : html`<nav aria-label="Main"><a href="/verify">Verify a statement</a></nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.refreshSeconds ? `<meta http-equiv="refresh" content="${Number(options.refreshSeconds)}">\n` : ''}${options.continueTo ? `<meta http-equiv="refresh" content="0; url=${escape(options.continueTo)}">\n` : ''}<title>${escape(options.title)} · Disposition</title>
<link rel="stylesheet" href="/static/style.css">
${(options.scripts ?? []).map((src) => `<script src="${escape(src)}" defer></script>`).join('\n')}
</head>
<body>
<header><a class="brand" href="/">Disposition</a>${nav.value}</header>
<main>
${body.value}
</main>
<footer>Disposition · records disposition under policy 7400.1</footer>
</body>
</html>`;
}

export { fieldError } from '../../presentation/forms';
