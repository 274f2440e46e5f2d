import type { StatementVerdict } from '../../client/statement-verification';
import { html, layout, when, type PageOptions } from './html';

export function verifyPage(
  options: {
    user?: PageOptions['user'];
    verdict?: StatementVerdict;
    lookup?: { statementId: string; issuedAt: number; vendorName: string; contractId: string; sha256: string } | null;
    statementId?: string;
  } = {},
): string {
  const { verdict, lookup } = options;
  return layout(
    { title: 'Verify a statement', ...(options.user ? { user: options.user } : {}) },
    html`
<h1>Verify a statement</h1>
<p>Upload a statement PDF to learn whether it is genuine and untouched, or enter its id to see what was issued.</p>
${
  verdict
    ? verdict.valid
      ? html`<div class="notice ok" role="status"><strong>Genuine and unaltered.</strong> This is statement ${verdict.statementId}, exactly as issued.</div>
<section><h2>What was verified</h2><dl class="facts">
  <dt>Statement</dt><dd>${verdict.statementId}</dd>
  <dt>Case</dt><dd>${verdict.caseId}</dd>
  <dt>Vendor</dt><dd><bdi>${verdict.vendorName}</bdi></dd>
  <dt>Contract</dt><dd><bdi>${verdict.contractId}</bdi></dd>
  <dt>Issued</dt><dd>${verdict.issuedAt ? when(Date.parse(verdict.issuedAt)) : ''}</dd>
  <dt>File SHA-256</dt><dd class="hash">${verdict.sha256}</dd>
  <dt>Signed with key</dt><dd>${verdict.signer?.keyId} <span class="hash">(fingerprint ${verdict.signer?.fingerprint})</span></dd>
  ${verdict.signer?.certificate ? html`<dt>Signed inside by the certificate</dt><dd><span class="hash">${verdict.signer.certificate}</span> (SHA-256 fingerprint: your PDF reader shows it in the signature's details; <a href="/api/statements/certificate">the district's certificates</a>)</dd>` : ''}
</dl></section>`
      : html`<div class="notice warn" role="alert"><strong>Not verified.</strong> ${verdict.reason}</div>`
    : ''
}
${lookup === null ? html`<div class="notice warn" role="alert">No statement ${options.statementId} was issued here.</div>` : ''}
${
  lookup
    ? html`<section><dl class="facts"><dt>Statement</dt><dd>${lookup.statementId}</dd><dt>Issued</dt><dd>${when(lookup.issuedAt)}</dd>
  <dt>Vendor</dt><dd>${lookup.vendorName}</dd><dt>Contract</dt><dd>${lookup.contractId}</dd><dt>SHA-256</dt><dd class="hash">${lookup.sha256}</dd></dl></section>`
    : ''
}
<form method="post" action="/verify" enctype="multipart/form-data" class="card">
  <label for="file">Statement PDF</label><input type="file" id="file" name="file" accept="application/pdf" required>
  <p><button type="submit">Verify the file</button></p>
</form>
<form method="get" action="/verify" class="card">
  <label for="statementId">Statement id</label><input type="text" id="statementId" name="statementId" value="${options.statementId ?? ''}" required>
  <p><button type="submit" class="secondary">Look it up</button></p>
</form>`,
  );
}
