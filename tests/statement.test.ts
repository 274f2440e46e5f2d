// The statement: reproducible from the case, drawn off the event loop, and quick even with 10,000 files.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatherStatement } from '../activities/generate-statement';
import type { CaseState } from '../domain/case-state';
import { renderStatementPdf } from '../infra/statement-pdf';
import { renderStatementOffThread } from '../infra/statement-renderer';
import { pdfText } from './support/artifacts';

function completedState(files: number): CaseState {
  const at = Date.parse('2026-11-20T15:00:00Z');
  return {
    caseId: 'case00000001',
    input: {
      contract: { id: 'CT-9', terminationDate: '2026-11-30' }, vendor: { name: 'Acme Learning Inc.', contactEmail: 'a@acme.example' }, service: { name: 'Reader' },
      disposition: { option: 'return_then_destroy', extent: 'complete', categories: [{ key: 'permanent' }] },
    },
    status: 'generating_statement', createdAt: at, updatedAt: at, version: 9, createdBy: 'user:ada', tasks: [],
    submittedFiles: Array.from({ length: files }, (_, i) => ({
      fileId: `file${String(i).padStart(6, '0')}`, category: 'permanent', name: i === 1 ? 'Zoë Ångström.csv' : `records-${i}.csv`,
      bytes: 100 + i, sha256: crypto.createHash('sha256').update(`file ${i}`).digest('hex'),
    })),
    returnRounds: [{ round: 1, submittedAt: at, files, bytes: 1, zipSha256: 'ab'.repeat(32), categories: [], shortfalls: [], decision: { decision: 'accept', by: 'user:ada', at } }],
    legalHold: [], timeline: [{ seq: 1, at, type: 'case_started', actor: 'user:ada', summary: 'Termination case started' }], settledUpdates: {},
  };
}

const config = { districtName: 'Riverside USD', publicUrl: 'https://disposition.example' };

describe('the statement PDF', () => {
  it('is the same bytes every time for the same case, on this thread or a worker thread', async () => {
    const content = gatherStatement(completedState(20), 'stmt-0001', Date.parse('2026-11-21T09:00:00Z'), config, 'c'.repeat(64));
    const first = await renderStatementPdf(content);
    const second = await renderStatementPdf(gatherStatement(completedState(20), 'stmt-0001', Date.parse('2026-11-21T09:00:00Z'), config, 'c'.repeat(64)));
    expect(second.equals(first)).toBe(true);
    expect((await renderStatementOffThread(content)).equals(first)).toBe(true);
  });

  it('prints every returned file of a 10,000-file appendix, the non-ASCII names too', async () => {
    const pdf = await renderStatementOffThread(gatherStatement(completedState(10_000), 'stmt-0002', Date.now(), config));
    const text = await pdfText(pdf);
    for (const i of [0, 1, 4999, 9999]) expect(text).toContain(crypto.createHash('sha256').update(`file ${i}`).digest('hex'));
    expect(text).toContain('records-9999.csv');
    expect(text).toContain('Zoë Ångström.csv');
  }, 60_000);
});
