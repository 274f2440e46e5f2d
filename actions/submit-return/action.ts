import { z } from 'zod';
import { submitReturnBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { stagedFileRefSchema } from '../../domain/messages';
import { link, vendor } from '../kit';
import { submitReturnOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { sizeInWords } from '../../domain/sizes';
import { categoriesList } from '../../presentation/vendor-task';

export const submitReturn = vendor({
  path: 'submit-return',
  task: 'return',
  update: 'submitReturn',
  summary: 'Finish the return',
  body: submitReturnBodySchema,
  message: submitReturnBodySchema.extend({
    ...link,
    files: z.array(stagedFileRefSchema).min(1, 'stage at least one file before submitting the return').max(100_000),
  }),
  fromForm: (form) => flatFormBody(form, { note: 'text' }),
  outcomes: submitReturnOutcomes,
  outcome: () => 'returned',
  page: ({ base, api, view, value }) => html`
${view.rejection ? html`<div class="notice warn" role="alert"><strong>The district did not accept the last return:</strong> ${view.rejection.reason}</div>` : ''}
<section><p>Upload the district's data, each file under its category. CSV and JSON Lines files are counted record by record. Do not destroy anything yet: destruction comes after the district accepts the return.</p>${categoriesList(view)}</section>
<h2>Staged files</h2>
${
  view.stagedFiles!.length === 0
    ? html`<p class="muted">Nothing staged yet.</p>`
    : html`
<table class="stacked"><thead><tr><th>File</th><th>Category</th><th>Size</th><th>Records</th><th>SHA-256</th><th><span class="visually-hidden">Remove</span></th></tr></thead><tbody>
${view.stagedFiles!.map(
  (
    f,
  ) => html`<tr><td data-label="File"><bdi>${f.name}</bdi></td><td data-label="Category">${f.category}</td><td data-label="Size">${sizeInWords(f.bytes)}</td><td data-label="Records">${f.records ?? '—'}</td><td data-label="SHA-256" class="hash">${f.sha256}</td>
<td data-label=""><form method="post" action="${base}/files/${f.fileId}/delete"><button type="submit" class="link" aria-label="Remove ${f.name}">Remove</button></form></td></tr>`,
)}
</tbody></table>`
}
<form method="post" action="${base}/files" enctype="multipart/form-data" class="card" id="upload-form" data-api="${api}/files">
  <label for="category">Category</label>
  <select id="category" name="category">${view.categories.map((c) => html`<option value="${c.key}">${c.label}</option>`)}</select>
  <label for="file">File</label><input type="file" id="file" name="file" required>
  <progress id="upload-progress" value="0" max="100" hidden></progress><p id="upload-status" role="status" class="muted"></p>
  <p><button type="submit" class="secondary">Upload</button></p>
</form>
<form method="post" action="${base}/submit-return" class="card">
  <label for="note">Note to the district (optional)</label><textarea id="note" name="note">${value('note')}</textarea>
  <p><button type="submit" ${view.stagedFiles!.length === 0 ? html`disabled` : ''}>Submit the return (${view.stagedFiles!.length} file(s))</button></p>
</form>`,
  payload: (body) => (body.note ? { note: body.note } : {}),
  status: 202,
  withStagedFiles: true,
});
