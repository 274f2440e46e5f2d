// Pages for district staff: sign-in, the case list, a new case, a case.
import { rosterCoverageSentence } from '../../domain/roster-coverage';
import { BUILT_IN_AGREEMENTS, type AgreementRegistry } from '../../domain/agreements';
import { daysLeftInWords, dueWithDaysLeft, ENFORCEMENT_LABELS, ENFORCEMENT_STAGES } from '../../domain/enforcement';
import { KNOWN_CATEGORIES, TRACKING_KINDS, DEFAULT_DEADLINES } from '../../domain/case-terms';
import { CASE_STATUSES, STATUS_LABELS } from '../../domain/statuses';
import { MONTHS, readableDay } from '../../domain/dates';
import { SANITIZATION_PLACES } from '../../domain/certification';
import type { caseDetails, caseListItem } from '../../client/case-views';
import { fieldError, html, layout, when, type Markup, type PageOptions } from './html';
import { stepper } from './stepper';
import type { CasePanelPlace } from '../../actions/kit';

type User = NonNullable<PageOptions['user']>;
const csrf = (user: User): Markup => html`<input type="hidden" name="_csrf" value="${user.csrfToken}">`;
const notice = (message?: string, kind = ''): Markup =>
  message ? html`<div class="notice ${kind}" role="${kind === 'warn' ? 'alert' : 'status'}">${message}</div>` : html``;

/** Which form of the case page a refusal refills (an action's `refill`, actions/<name>/action.ts), with its fields' errors. */
export interface CaseFormRetry {
  form: string;
  values: Record<string, string>;
  errors: Record<string, string>;
}

export function loginPage(options: {
  next?: string;
  error?: string;
  firstRun?: boolean;
  /** The district's identity provider (OIDC_NAME), when single sign-on is set up. */
  sso?: string;
}): string {
  return layout(
    { title: 'Sign in' },
    html`
<h1>Sign in</h1>
${options.firstRun ? notice('No accounts exist yet. Create the first administrator on the server: npx disposition user add --username <name> --role admin --email <address> --password-stdin') : ''}
${options.error ? html`<div class="notice warn" role="alert">${options.error}</div>` : ''}
${
  options.sso
    ? html`<p><a class="button" href="/auth/oidc/start?next=${encodeURIComponent(options.next ?? '/cases')}">Sign in with <bdi>${options.sso}</bdi></a></p>
<h2>Or with a password</h2>`
    : ''
}
<form method="post" action="/login" class="card">
  <input type="hidden" name="next" value="${options.next ?? '/cases'}">
  <label for="username">User name</label>
  <input type="text" id="username" name="username" autocomplete="username" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <p><button type="submit">Sign in</button></p>
</form>`,
  );
}

/**
 * After the identity provider signed someone in: a page that goes on to where they were going. Not a redirect: the
 * session cookie is SameSite=Strict, and a redirect would still be part of the navigation the provider's site began.
 */
export function signedInPage(next: string): string {
  return layout(
    { title: 'Signed in', continueTo: next },
    html`<h1>Signed in</h1>
<p><a href="${next}">Continue</a></p>`,
  );
}

export function caseListPage(
  user: User,
  cases: ReturnType<typeof caseListItem>[],
  filter: {
    status?: string | undefined;
    vendor?: string | undefined;
    overdue?: string | undefined;
    enforcement?: string | undefined;
    sort?: string;
    cursor?: string | undefined;
  },
  nextCursor?: string,
): string {
  // The next page keeps the filters and the order; a plain link, so it works without JavaScript.
  const next = nextCursor
    ? `/cases?${new URLSearchParams(Object.entries({ ...filter, cursor: nextCursor }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString()}`
    : undefined;
  return layout(
    { title: 'Cases', user },
    html`
<h1>Termination cases</h1>
<form method="get" action="/cases" class="filters" role="search">
  <div><label for="status">Status</label>
  <select id="status" name="status"><option value="">any</option>${CASE_STATUSES.map((s) => html`<option value="${s}" ${filter.status === s ? html`selected` : ''}>${STATUS_LABELS[s]}</option>`)}</select></div>
  <div><label for="vendor">Vendor</label><input type="text" id="vendor" name="vendor" value="${filter.vendor ?? ''}"></div>
  <div><label for="sort">Order</label>
  <select id="sort" name="sort">${[
    ['created', 'newest first'],
    ['due', 'due soonest'],
    ['status', 'by status'],
    ['vendor', 'by vendor'],
  ].map(
    ([value, label]) =>
      html`<option value="${value}" ${(filter.sort ?? 'created') === value ? html`selected` : ''}>${label}</option>`,
  )}</select></div>
  <div><label for="enforcement">Vendor follow-up</label>
  <select id="enforcement" name="enforcement"><option value="">any</option>${ENFORCEMENT_STAGES.filter((s) => s !== 'none').map((s) => html`<option value="${s}" ${filter.enforcement === s ? html`selected` : ''}>${ENFORCEMENT_LABELS[s]}</option>`)}</select></div>
  <div><label class="check"><input type="checkbox" name="overdue" value="true" ${filter.overdue === 'true' ? html`checked` : ''}> overdue only</label></div>
  <div><button type="submit" class="secondary">Filter</button></div>
</form>
${
  cases.length === 0
    ? html`<p class="muted">No cases${filter.status || filter.vendor || filter.overdue || filter.enforcement ? ' match' : ' yet'}.</p>`
    : html`
<table class="stacked">
  <thead><tr><th>Vendor</th><th>Contract</th><th>Status</th><th>Due</th><th>Started</th></tr></thead>
  <tbody>${cases.map(
    (c) => html`<tr>
    <td data-label="Vendor"><a href="/cases/${c.caseId}"><bdi>${c.vendorName}</bdi></a></td><td data-label="Contract"><bdi>${c.contractId}</bdi></td>
    <td data-label="Status"><span class="status" data-status="${c.status}">${STATUS_LABELS[c.status]}</span></td>
    <td data-label="Due">${c.dueAt ? html`${when(Date.parse(c.dueAt))} <span class="${c.overdue ? 'overdue' : 'muted'}">${daysLeftInWords(Date.parse(c.dueAt), Date.now())}</span>` : '—'}${c.enforcement !== 'none' && c.enforcement !== 'reminded' ? html` <strong>${ENFORCEMENT_LABELS[c.enforcement]}</strong>` : ''}</td>
    <td data-label="Started">${when(Date.parse(c.createdAt))}</td></tr>`,
  )}</tbody>
</table>`
}
${cases.length ? html`<p><a class="button secondary" href="/api/cases?${new URLSearchParams(Object.entries({ ...filter, cursor: undefined, format: 'csv' }).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString()}" download>Download these cases as CSV</a></p>` : ''}
${next || filter.cursor ? html`<nav aria-label="Pages of cases" class="pager">${filter.cursor ? html`<a href="/cases?${new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[0] !== 'cursor' && typeof e[1] === 'string' && e[1] !== '')).toString()}">First page</a>` : ''} ${next ? html`<a href="${next}" rel="next">Next page</a>` : ''}</nav>` : ''}`,
  );
}

type Dashboard = Awaited<ReturnType<typeof import('../routes/api-cases').dashboard>>;

/** Staff's home: where the cases stand, and what needs attention first. Every number links to its cases. */
export function dashboardPage(user: User, d: Dashboard): string {
  const open = CASE_STATUSES.filter((s) => s !== 'completed' && s !== 'cancelled').reduce(
    (sum, s) => sum + d.byStatus[s],
    0,
  );
  const tile = (label: string, value: number, href: string, warn = false): Markup =>
    html`<li class="tile${warn && value > 0 ? ' warn' : ''}"><a href="${href}"><span class="tile-value">${value}</span> <span class="tile-label">${label}</span></a></li>`;
  return layout(
    { title: 'Dashboard', user },
    html`
<h1>Dashboard</h1>
<ul class="tiles" aria-label="At a glance">
  ${tile('open cases', open, '/cases')}
  ${tile('overdue', d.overdue, '/cases?overdue=true&sort=due', true)}
  ${tile('due this week', d.dueThisWeek, '/cases?sort=due')}
  ${tile('completed this month', d.completedThisMonth, '/cases?status=completed')}
</ul>
<h2>Most urgent</h2>
${
  d.urgent.length === 0
    ? html`<p class="muted">No open task is waiting.</p>`
    : html`
<table class="stacked">
  <thead><tr><th>Vendor</th><th>Contract</th><th>Status</th><th>Due</th></tr></thead>
  <tbody>${d.urgent.map(
    (c) => html`<tr>
    <td data-label="Vendor"><a href="/cases/${c.caseId}"><bdi>${c.vendorName}</bdi></a></td><td data-label="Contract"><bdi>${c.contractId}</bdi></td>
    <td data-label="Status"><span class="status" data-status="${c.status}">${STATUS_LABELS[c.status]}</span></td>
    <td data-label="Due"><span class="${c.overdue ? 'overdue' : ''}">${c.dueAt ? dueWithDaysLeft(Date.parse(c.dueAt), Date.now()) : '—'}</span></td></tr>`,
  )}</tbody>
</table>`
}
<h2>Cases by status</h2>
<section><ul class="by-status">${CASE_STATUSES.map((s) => html`<li><a href="/cases?status=${s}">${STATUS_LABELS[s]}</a> <span class="count">${d.byStatus[s]}</span></li>`)}</ul></section>
<h2>Opened and closed, the last twelve months</h2>
<section>${monthsChart(d.months)}</section>`,
  );
}

/**
 * Bars for each month, drawn on the server across the card's whole width (positions in percent, bar heights and
 * labels in pixels, so the month names read at any width); the table under it carries the same numbers for every
 * reader.
 */
function monthsChart(months: Dashboard['months']): Markup {
  const most = Math.max(1, ...months.flatMap((m) => [m.opened, m.closed]));
  const height = 120;
  const slot = 100 / Math.max(months.length, 1);
  const pct = (n: number): string => `${n.toFixed(2)}%`;
  const name = (month: string): string => MONTHS[Number(month.slice(5, 7)) - 1] ?? month;
  const bar = (value: number, x: number, kind: string): Markup => {
    const h = Math.round((value / most) * height);
    return html`<rect class="${kind}" x="${pct(x)}" y="${height - h + 10}" width="${pct(slot * 0.32)}" height="${h}"></rect>`;
  };
  return html`<svg class="chart" width="100%" height="${height + 34}" role="img" aria-labelledby="chart-title">
  <title id="chart-title">Cases opened and closed per month, from ${name(months[0]?.month ?? '')} ${months[0]?.month.slice(0, 4) ?? ''} to ${name(months.at(-1)?.month ?? '')} ${months.at(-1)?.month.slice(0, 4) ?? ''}</title>
  ${months.map((m, i) => html`${bar(m.opened, i * slot + slot * 0.16, 'opened')}${bar(m.closed, i * slot + slot * 0.52, 'closed')}<text x="${pct((i + 0.5) * slot)}" y="${height + 28}" text-anchor="middle">${name(m.month).slice(0, 3)}</text>`)}
</svg>
<p class="legend"><span class="key opened"></span> opened <span class="key closed"></span> closed</p>
<details><summary>The numbers per month</summary>
<table class="months"><caption>Cases per month</caption><thead><tr><th scope="col">Month</th><th scope="col">Opened</th><th scope="col">Closed</th></tr></thead>
<tbody>${months.map((m) => html`<tr><th scope="row">${name(m.month)} ${m.month.slice(0, 4)}</th><td>${m.opened}</td><td>${m.closed}</td></tr>`)}</tbody></table></details>`;
}

export function newCasePage(
  user: User,
  values: Record<string, string> = {},
  errors: Record<string, string> = {},
  message?: string,
  agreements: AgreementRegistry = BUILT_IN_AGREEMENTS,
  /** The open case of the same vendor and contract a refusal named: the form offers to start a second all the same. */
  openCase?: string,
): string {
  const v = (name: string, fallback = ''): string => values[name] ?? fallback;
  const input = (
    name: string,
    label: string,
    type = 'text',
    options: { required?: boolean; fallback?: string; hint?: string; placeholder?: string } = {},
  ): Markup => html`
    <label for="${name}">${label}</label>
    ${options.hint ? html`<p class="muted" id="${name}-hint">${options.hint}</p>` : ''}
    <input type="${type}" id="${name}" name="${name}" value="${v(name, options.fallback)}" ${options.placeholder ? html`placeholder="${options.placeholder}"` : ''} ${options.required ? html`required` : ''} ${errors[name] ? html`aria-invalid="true" aria-describedby="${name}-error"` : ''}>
    ${fieldError(errors, name)}`;
  return layout(
    { title: 'New case', user, scripts: ['/static/new-case.js'] },
    html`
<h1>Start a termination case</h1>
<p>Many contracts at once? <a href="/cases/bulk">Start them from a CSV file</a>.</p>
${message ? html`<div class="notice warn" role="alert">${message}</div>` : ''}
<form method="post" action="/cases/new">
${csrf(user)}
<fieldset><legend>Contract</legend>
  ${input('contract.id', 'Contract id', 'text', { required: true })}
  ${input('contract.title', 'Title')}
  ${input('contract.terminationDate', 'Termination date', 'date', { required: true })}
  <label for="contract.agreement">Agreement</label>
  <select id="contract.agreement" name="contract.agreement">
    ${Object.values(agreements)
      .filter((a) => a.key !== 'other')
      .map(
        (a) =>
          html`<option value="${a.key}" ${v('contract.agreement', 'ndpa') === a.key ? html`selected` : ''}>${a.name}</option>`,
      )}
  </select>
  <label for="contract.clause">The agreement's clause on return and disposal</label>
  <p class="muted" id="contract.clause-hint">Quoted in the notice and the statement. Leave it empty to quote the preset's.</p>
  <textarea id="contract.clause" name="contract.clause" rows="3" aria-describedby="contract.clause-hint">${v('contract.clause')}</textarea>
</fieldset>
<fieldset><legend>Vendor</legend>
  ${input('vendor.name', 'Organisation', 'text', { required: true })}
  ${input('vendor.contactEmail', 'Contact email', 'email', { required: true, hint: 'Notices and links go here.' })}
  ${input('vendor.contactName', 'Contact name')}
</fieldset>
<fieldset><legend>Service</legend>
  ${input('service.name', 'Service', 'text', { required: true })}
  ${input('service.url', 'Service URL', 'text')}
</fieldset>
<fieldset><legend>What the district asks (7400.1 III.A)</legend>
  <label class="check"><input type="radio" name="disposition.option" value="return_then_destroy" ${v('disposition.option', 'return_then_destroy') === 'return_then_destroy' ? html`checked` : ''}> Return all data, then destroy every copy</label>
  <label class="check"><input type="radio" name="disposition.option" value="destroy_only" ${v('disposition.option') === 'destroy_only' ? html`checked` : ''}> Destroy only (no return)</label>
  <label class="check"><input type="radio" name="disposition.extent" value="complete" ${v('disposition.extent', 'complete') === 'complete' ? html`checked` : ''}> Complete: all of the vendor's data of the district</label>
  <label class="check"><input type="radio" name="disposition.extent" value="partial" ${v('disposition.extent') === 'partial' ? html`checked` : ''}> Partial: only the categories below, each whole</label>
  ${fieldError(errors, 'disposition.categories')}
  <table><thead><tr><th>Category</th><th>Expected records (optional)</th></tr></thead><tbody>
  ${Object.entries(KNOWN_CATEGORIES).map(
    ([key, c]) => html`<tr>
    <td><label class="check"><input type="checkbox" name="cat.${key}" value="on" ${v(`cat.${key}`, ['permanent', 'subsidiary', 'special_education', 'electronic'].includes(key) ? 'on' : '') === 'on' ? html`checked` : ''}> ${c.label} <span class="muted">(${c.clause})</span></label></td>
    <td><input type="number" min="0" name="cat.${key}.expected" aria-label="Expected records: ${c.label}" value="${v(`cat.${key}.expected`)}"></td></tr>`,
  )}
  ${[0, 1, 2].map(
    (
      i,
    ) => html`<tr><td><input type="text" name="custom.${i}.label" aria-label="Another category ${i + 1}" placeholder="Another category (the district's own)" value="${v(`custom.${i}.label`)}"></td>
    <td><input type="number" min="0" name="custom.${i}.expected" aria-label="Expected records: another category ${i + 1}" value="${v(`custom.${i}.expected`)}"></td></tr>`,
  )}
  </tbody></table>
</fieldset>
<fieldset><legend>Tracking mechanisms to remove (7400.1 IV.A)</legend>
  ${fieldError(errors, 'trackingMechanisms')}
  <table id="tracking"><thead><tr><th>Name</th><th>Kind</th></tr></thead><tbody>
  ${[0, 1, 2, 3, 4].map(
    (
      i,
    ) => html`<tr><td><input type="text" name="track.${i}.name" aria-label="Tracking mechanism ${i + 1}" value="${v(`track.${i}.name`)}"></td>
    <td><select name="track.${i}.kind" aria-label="Kind of tracking mechanism ${i + 1}">${TRACKING_KINDS.map((k) => html`<option value="${k}" ${v(`track.${i}.kind`) === k ? html`selected` : ''}>${k}</option>`)}</select></td></tr>`,
  )}
  </tbody></table>
</fieldset>
<fieldset><legend>Deadlines</legend>
  <p class="muted">Each task is due this long after it opens; reminders go out on the cadence below. Leave one empty to take the agreement's (${presetDeadlines(agreements)}), else the default shown.</p>
  ${input('deadlines.acknowledge', 'Acknowledge the notice within', 'text', { placeholder: DEFAULT_DEADLINES.acknowledge })}
  ${input('deadlines.return', 'Return the data within', 'text', { placeholder: DEFAULT_DEADLINES.return })}
  ${input('deadlines.review', 'District review within', 'text', { placeholder: DEFAULT_DEADLINES.review })}
  ${input('deadlines.certify', 'Certify destruction within', 'text', { placeholder: DEFAULT_DEADLINES.certify })}
  ${input('deadlines.reminderEvery', 'Remind every', 'text', { placeholder: DEFAULT_DEADLINES.reminderEvery })}
</fieldset>
<fieldset><legend>Before the statement</legend>
  <label class="check"><input type="checkbox" name="legalSignoff" value="true" ${v('legalSignoff') === 'true' ? html`checked` : ''}> Legal staff review the vendor's certification and countersign for the district; only then is the statement issued (within the review deadline)</label>
</fieldset>
${
  openCase
    ? html`<fieldset><legend>This contract already has an open case</legend>
  <p><a href="/cases/${openCase}">Open case ${openCase}</a> to see where it stands. Start a second case only when the first is a mistake you will cancel, or the vendor needs a second notice.</p>
  <label class="check"><input type="checkbox" name="allowDuplicate" value="true"> Start a second case all the same (the vendor is sent another notice)</label>
</fieldset>`
    : ''
}
<p><button type="submit">Start the case and send the notice</button></p>
</form>`,
  );
}

/** The actions' forms for a case page, by where they go (actions/kit.ts, `CasePanelPlace`). */
export type CasePanels = Record<CasePanelPlace, Markup[]>;

/** How many missing students the page lists; the CSV has them all. */
const MISSING_LISTED = 50;

function missingStudents(caseId: string, missing: readonly { identifier: string; sourcedId: string; name: string }[]) {
  const listed = missing.slice(0, MISSING_LISTED);
  return html`<details${missing.length <= 20 ? html` open` : ''}><summary>The ${missing.length} student${missing.length === 1 ? '' : 's'} of the roster missing from the returned data</summary>
<table class="stacked"><thead><tr><th>Identifier</th><th>Name</th><th>sourcedId</th></tr></thead><tbody>
${listed.map((s) => html`<tr><td data-label="Identifier" class="hash">${s.identifier || '—'}</td><td data-label="Name"><bdi>${s.name || '—'}</bdi></td><td data-label="sourcedId" class="hash">${s.sourcedId}</td></tr>`)}
</tbody></table>
${missing.length > listed.length ? html`<p class="muted">And ${missing.length - listed.length} more.</p>` : ''}
<p><a class="button secondary" href="/api/cases/${caseId}/roster/missing?format=csv">Download the missing students (CSV)</a></p>
</details>`;
}

export function casePage(
  user: User,
  details: ReturnType<typeof caseDetails>,
  panels: CasePanels,
  message?: { text: string; kind?: string },
  /** The roster's students missing from the latest return (administrators only; the route reads them). */
  missing?: readonly { identifier: string; sourcedId: string; name: string }[],
): string {
  const admin = user.role === 'admin';
  const open = details.openTask;
  const pkg = details.returnPackage;
  const roster = details.roster;
  return layout(
    { title: `${details.vendorName} · ${details.contractId}`, user },
    html`
<h1><bdi>${details.vendorName}</bdi> · contract <bdi>${details.contractId}</bdi></h1>
${message ? notice(message.text, message.kind ?? 'ok') : ''}
${stepper(details.lifecycle)}
<section>
<dl class="facts">
  <dt>Status</dt><dd><span class="status" data-status="${details.status}">${details.statusLabel}</span> ${details.legalHold.on ? html`<strong>· legal hold</strong>` : ''}</dd>
  <dt>Service</dt><dd>${details.input.service.name}</dd>
  <dt>Termination date</dt><dd>${details.input.contract.terminationDate}</dd>
  <dt>Option</dt><dd>${details.input.disposition.option === 'return_then_destroy' ? 'return, then destroy' : 'destroy only'} (${details.input.disposition.extent})</dd>
  <dt>Open task</dt><dd>${open ? html`${open.title}, due ${when(Date.parse(open.dueAt!))} <span class="${open.overdue ? 'overdue' : 'muted'}">(${daysLeftInWords(Date.parse(open.dueAt!), Date.now())})</span>` : details.waitingUntil ? html`None until ${when(Date.parse(details.waitingUntil.at))}: ${details.waitingUntil.reason}.` : '—'}</dd>
  <dt>Vendor follow-up</dt><dd>${details.enforcement.label}${details.enforcement.stage === 'referred_to_legal' ? html` · <a href="/api/cases/${details.caseId}/referral-letter">referral letter (PDF)</a>` : ''}</dd>
  <dt>Started</dt><dd>${when(Date.parse(details.createdAt!))}</dd>
  ${roster ? html`<dt>Roster</dt><dd>${roster.students} students, attached by ${roster.attachedBy} on ${when(Date.parse(roster.attachedAt!))}${roster.returned === null ? '; the next return packaged is checked against it' : ''}</dd>` : ''}
</dl>
</section>
${
  pkg
    ? html`<h2>Returned data (round ${pkg.round})</h2>
<section>
<p>${pkg.files} file(s), ${pkg.bytes} bytes. ZIP SHA-256 <span class="hash">${pkg.zipSha256}</span></p>
<table class="stacked"><thead><tr><th>Category</th><th>Files</th><th>Bytes</th><th>Records</th><th>Expected</th></tr></thead><tbody>
${pkg.categories.map((c) => html`<tr><td data-label="Category">${c.label}</td><td data-label="Files">${c.files}</td><td data-label="Bytes">${c.bytes}</td><td data-label="Records">${c.returnedRecords}</td><td data-label="Expected">${c.expectedRecords ?? '—'}</td></tr>`)}
</tbody></table>
${roster && roster.returned !== null ? html`<p>${rosterCoverageSentence({ students: roster.students, returned: roster.returned })}</p>` : ''}
${missing?.length ? missingStudents(details.caseId, missing) : ''}
${pkg.shortfalls.length ? html`<div class="notice warn"><strong>Shortfalls:</strong> ${pkg.shortfalls.join('; ')}</div>` : ''}
${pkg.decision ? html`<p>${pkg.decision.decision === 'accept' ? 'Accepted' : 'Rejected'} by ${pkg.decision.by} on ${when(Date.parse(pkg.decision.at!))}${pkg.decision.reason ? `: ${pkg.decision.reason}` : ''}</p>` : ''}
${admin ? html`<p><a class="button secondary" href="/api/cases/${details.caseId}/return-package">Download the returned data (ZIP)</a></p>` : ''}
</section>`
    : ''
}
${
  details.statement
    ? html`<h2>Statement</h2><section><p>Statement ${details.statement.statementId}, issued ${when(Date.parse(details.statement.issuedAt!))}. SHA-256 <span class="hash">${details.statement.sha256}</span></p>
<p><a class="button secondary" href="/api/cases/${details.caseId}/statement">Download the statement (PDF)</a></p></section>`
    : ''
}
${details.signoff ? html`<h2>Countersignature</h2><section><p>Countersigned for the district by ${details.signoff.by} on ${when(Date.parse(details.signoff.at!))}${details.signoff.note ? `: ${details.signoff.note}` : ''}.</p></section>` : ''}
${panels.task}
${panels.actions.length ? html`<h2>Actions</h2><section class="actions">${panels.actions}</section>` : ''}
${panels.section}
${details.subprocessors.length ? subprocessorsSection(details, panels.subprocessors) : ''}
${
  details.certification
    ? html`<h2>Certification</h2><section><dl class="facts">
  <dt>Signatory</dt><dd>${details.certification.destruction.signatoryName}, ${details.certification.destruction.signatoryTitle}</dd>
  <dt>Signatory's address</dt><dd>${details.certification.destruction.signatoryEmail}${
    details.certification.signatoryCheck
      ? html`: verified by a one-time code on ${when(details.certification.signatoryCheck.verifiedAt)}; certified from ${details.certification.signatoryCheck.ip} (<span class="hash">${details.certification.signatoryCheck.userAgent || 'no user agent'}</span>)`
      : html` (not verified: certified before signatories confirmed their address)`
  }</dd>
  <dt>Completed on</dt><dd>${details.certification.destruction.completedOn}</dd>
  <dt>Method</dt><dd>${details.certification.destruction.method} (NIST SP 800-88)</dd>
  <dt>Backups</dt><dd>${details.certification.destruction.backups.destroyed ? 'destroyed' : `roll off on ${readableDay(details.certification.destruction.backups.rollOffDate!)}`}</dd>
  <dt>Where the data lived</dt><dd>${
    details.certification.destruction.systems
      ? html`<ul>${details.certification.destruction.systems.map((s) => html`<li>${SANITIZATION_PLACES[s.place]}${s.name ? html`: <bdi>${s.name}</bdi>` : ''}: ${s.heldData ? `${s.method} on ${s.completedOn} with ${s.tool}${s.toolVersion ? ` ${s.toolVersion}` : ''}; verified: ${s.verification}${s.cryptoErase ? `; keys destroyed: ${s.cryptoErase.keys}` : ''}` : 'never held the data'}</li>`)}</ul>`
      : 'not listed place by place'
  }</dd>
  ${details.certification.destruction.validator ? html`<dt>Validated by</dt><dd><bdi>${details.certification.destruction.validator.name}</bdi>, ${details.certification.destruction.validator.title}</dd>` : ''}
  <dt>Tracking</dt><dd>${details.certification.tracking.mechanisms.map((m) => `${m.name} removed ${m.removedOn}`).join('; ') || 'none in use'}</dd>
</dl></section>`
    : ''
}
<h2>Timeline</h2>
<table class="stacked"><thead><tr><th>When</th><th>What</th><th>Who</th></tr></thead><tbody>
${details.timeline.map((e) => html`<tr><td data-label="When">${when(Date.parse(e.at!))}</td><td data-label="What">${e.summary}</td><td data-label="Who">${e.actor}</td></tr>`)}
</tbody></table>`,
  );
}

const SUBPROCESSOR_STATUS = {
  asked: 'asked to certify',
  overdue: 'overdue',
  certified: 'certified',
  waived: 'waived by the district',
} as const;

/** The vendor's subprocessors: where each stands, what it certified or why it was waived, and the actions' forms. */
function subprocessorsSection(details: ReturnType<typeof caseDetails>, forms: Markup[]): Markup {
  return html`<h2>Subprocessors</h2>
<section>
<p class="muted">Each subprocessor the vendor named certifies its own destruction through its own link; the statement waits for each, unless the district waives it.</p>
<table class="stacked"><thead><tr><th scope="col">Subprocessor</th><th scope="col">Where it stands</th><th scope="col">Certification or waiver</th></tr></thead><tbody>
${details.subprocessors.map(
  (
    s,
  ) => html`<tr><td data-label="Subprocessor"><bdi>${s.name}</bdi> <span class="muted">(${s.id}, ${s.contactEmail})</span></td>
<td data-label="Where it stands"><span class="${s.status === 'overdue' ? 'overdue' : ''}">${SUBPROCESSOR_STATUS[s.status]}</span>${s.dueAt && s.daysLeft !== null ? html` <span class="muted">(due ${when(Date.parse(s.dueAt))}; ${daysLeftInWords(Date.parse(s.dueAt), Date.now())}${s.reminders ? `; ${s.reminders} reminder(s)` : ''})</span>` : ''}</td>
<td data-label="Certification or waiver">${s.certification ? html`<bdi>${s.certification.signatoryName}</bdi>, ${s.certification.signatoryTitle}: completed ${s.certification.completedOn} (${s.certification.method}, NIST SP 800-88)` : s.waiver ? html`${s.waiver.by}, ${when(Date.parse(s.waiver.at!))}: ${s.waiver.reason}` : '—'}</td></tr>`,
)}
</tbody></table>
${forms}
</section>`;
}

export function messagePage(
  title: string,
  message: string,
  options: { user?: User; kind?: string; status?: number } = {},
): string {
  return layout(
    { title, ...(options.user ? { user: options.user } : {}) },
    html`<h1>${title}</h1>${notice(message, options.kind ?? 'warn')}<p><a href="/">Back</a></p>`,
  );
}

/** "NDPA: return 60 days, certify 60 days; …": what each preset sets, for the form's hint. */
function presetDeadlines(agreements: AgreementRegistry): string {
  const words = Object.values(agreements)
    .filter((a) => Object.keys(a.deadlines).length)
    .map(
      (a) =>
        `${a.key.toUpperCase()}: ${Object.entries(a.deadlines)
          .map(([k, d]) => `${k} ${d}`)
          .join(', ')}`,
    );
  return words.length ? words.join('; ') : 'none set';
}
