// Bulk start in the console: upload a CSV, check it (nothing starts), start it, and watch each row's outcome.
// Without JavaScript: a multipart form, and a progress page that refreshes itself while the rows start.
import { BULK_COLUMNS } from '../../domain/bulk-csv';
import type { BulkCheck, BulkView } from '../../client/bulk-start';
import { html, layout, type Markup, type PageOptions } from './html';

type User = NonNullable<PageOptions['user']>;

const OUTCOME_WORDS: Record<string, string> = {
  pending: 'Waiting to start',
  started: 'Started',
  already_started: 'Already started',
  refused: 'Refused',
};

export function bulkUploadPage(
  user: User,
  options: { check?: BulkCheck; fileName?: string; message?: string } = {},
): string {
  const { check } = options;
  return layout(
    { title: 'Bulk start', user },
    html`
<h1>Start many cases from a file</h1>
${options.message ? html`<div class="notice warn" role="alert">${options.message}</div>` : ''}
${check ? checkResult(check, options.fileName) : ''}
<form method="post" action="/cases/bulk" enctype="multipart/form-data">
  <input type="hidden" name="_csrf" value="${user.csrfToken}">
  <label for="file">CSV file (UTF-8), one contract a row</label>
  <p class="muted" id="file-hint">First line: <code>${BULK_COLUMNS.join(',')}</code>. Categories are keys separated by “;”, each may carry “=expected records”; tracking mechanisms are “name:kind” separated by “;”. A contract that already has a case is not started again. <a href="/cases/bulk/example.csv" download>Download an example file</a>.</p>
  <input type="file" id="file" name="file" accept=".csv,text/csv" required aria-describedby="file-hint">
  <p><button type="submit" name="dryRun" value="true">Check the file</button> <button type="submit" name="dryRun" value="false">Start the cases</button></p>
</form>`,
  );
}

function checkResult(check: BulkCheck, fileName?: string): Markup {
  return html`
<section aria-labelledby="check-heading">
  <h2 id="check-heading">Checked${fileName ? html` ${fileName}` : ''}: nothing was started</h2>
  <p class="${check.refused ? 'notice warn' : 'notice ok'}" role="status">${check.total} row(s): ${check.ready} would start a case, ${check.alreadyStarted.length} already started, ${check.refused} refused.</p>
  ${
    check.problems.length
      ? html`
  <table class="stacked"><caption>Refused rows</caption>
    <thead><tr><th scope="col">Line</th><th scope="col">Contract</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
    <tbody>${check.problems.map((p) => html`<tr><td data-label="Line">${p.line}</td><td data-label="Contract"><bdi>${p.contractId ?? ''}</bdi></td><td data-label="Column">${p.field}</td><td data-label="Problem">${p.message}</td></tr>`)}</tbody>
  </table>`
      : ''
  }
  ${
    check.alreadyStarted.length
      ? html`
  <table class="stacked"><caption>Contracts that already have a case</caption>
    <thead><tr><th scope="col">Line</th><th scope="col">Contract</th><th scope="col">Case</th></tr></thead>
    <tbody>${check.alreadyStarted.map((a) => html`<tr><td data-label="Line">${a.line}</td><td data-label="Contract"><bdi>${a.contractId}</bdi></td><td data-label="Case"><a href="/cases/${a.caseId}">${a.caseId}</a></td></tr>`)}</tbody>
  </table>`
      : ''
  }
</section>`;
}

export function bulkRunPage(user: User, view: BulkView): string {
  const toStart = view.total - view.refused;
  const done = view.started + view.alreadyStarted;
  return layout(
    { title: `Bulk start ${view.fileName}`, user, ...(view.status === 'running' ? { refreshSeconds: 2 } : {}) },
    html`
<h1>Bulk start: <bdi>${view.fileName}</bdi></h1>
<p class="muted">${view.bulkId} · uploaded ${view.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} by ${view.createdBy}</p>
<label for="progress">${view.status === 'running' ? 'Starting the cases (this page refreshes itself)' : 'Finished'}</label>
<progress id="progress" max="${Math.max(toStart, 1)}" value="${toStart ? done : 1}">${done} of ${toStart}</progress>
<p role="status">${done} of ${toStart} row(s) done: ${view.started} started, ${view.alreadyStarted} already started${view.pending ? `, ${view.pending} waiting` : ''}; ${view.refused} refused.</p>
<table class="stacked"><caption>Every row</caption>
  <thead><tr><th scope="col">Line</th><th scope="col">Contract</th><th scope="col">Outcome</th><th scope="col">Case or problem</th></tr></thead>
  <tbody>${view.rows.map(
    (
      row,
    ) => html`<tr data-outcome="${row.outcome}"><td data-label="Line">${row.line}</td><td data-label="Contract"><bdi>${row.contractId}</bdi></td><td data-label="Outcome">${OUTCOME_WORDS[row.outcome] ?? row.outcome}</td>
    <td data-label="${row.caseId ? 'Case' : 'Problem'}">${row.caseId ? html`<a href="/cases/${row.caseId}">${row.caseId}</a>` : (row.problems ?? []).map((p) => html`<span class="error">${p.field}: ${p.message}</span> `)}</td></tr>`,
  )}</tbody>
</table>
<p><a href="/cases/bulk">Upload another file</a></p>`,
  );
}
