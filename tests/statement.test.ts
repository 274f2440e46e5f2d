// The statement: reproducible from the case, drawn off the event loop, and quick even with 10,000 files.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatherStatement } from '../activities/generate-statement';
import type { CaseState } from '../domain/case-state';
import { renderStatementPdf } from '../infra/statement/statement-pdf';
import { renderStatementOffThread } from '../infra/statement/statement-renderer';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import PDFDocument from 'pdfkit';
import { pdfFonts, pdfText, popplerText, scratchFile } from './support/artifacts';
import { validatePdfA3b } from '../scripts/verapdf';
import path from 'node:path';
import { Keyring } from '../infra/keys/keys';
import { signPdf } from '../infra/statement/pdf-signature';

function completedState(files: number): CaseState {
  const at = Date.parse('2026-11-20T15:00:00Z');
  return {
    caseId: 'case00000001',
    input: {
      contract: { id: 'CT-9', terminationDate: '2026-11-30' },
      vendor: { name: 'Acme Learning Inc.', contactEmail: 'a@acme.example' },
      service: { name: 'Reader' },
      disposition: { option: 'return_then_destroy', extent: 'complete', categories: [{ key: 'permanent' }] },
    },
    status: 'generating_statement',
    createdAt: at,
    updatedAt: at,
    version: 9,
    createdBy: 'user:ada',
    tasks: [],
    submittedFiles: Array.from({ length: files }, (_, i) => ({
      fileId: `file${String(i).padStart(6, '0')}`,
      category: 'permanent',
      name: i === 1 ? 'Zoë Ångström.csv' : `records-${i}.csv`,
      bytes: 100 + i,
      sha256: crypto.createHash('sha256').update(`file ${i}`).digest('hex'),
    })),
    returnRounds: [
      {
        round: 1,
        submittedAt: at,
        files,
        bytes: 1,
        zipSha256: 'ab'.repeat(32),
        categories: [],
        shortfalls: [],
        decision: { decision: 'accept', by: 'user:ada', at },
      },
    ],
    legalHold: [],
    timeline: [{ seq: 1, at, type: 'case_started', actor: 'user:ada', summary: 'Termination case started' }],
    settledUpdates: {},
  };
}

const config = { districtName: 'Riverside USD', publicUrl: 'https://disposition.example' };

describe('the statement PDF', () => {
  it('is PDF/A-3b by veraPDF once signed, says so in its XMP, and carries its data as statement.json', async () => {
    const state = { ...completedState(3), signoff: { by: 'user:lee', at: Date.parse('2026-11-21T08:00:00Z') } };
    const keyring = Keyring.open(path.dirname(scratchFile('keys/keyring.json')), config);
    const drawn = await renderStatementOffThread(
      gatherStatement(state, 'stmt-0003', Date.parse('2026-11-21T09:00:00Z'), config, 'c'.repeat(64)),
    );
    const pdf = await signPdf(drawn, { ...keyring.currentCertificate(), chain: [] });
    keyring.close();
    const file = scratchFile('statement.pdf');
    fs.writeFileSync(file, pdf);
    const verdict = validatePdfA3b(file);
    expect(verdict.failedRules, verdict.output).toEqual([]);
    expect(verdict.compliant).toBe(true);
    const meta = spawnSync('pdfinfo', ['-meta', file], { encoding: 'utf8' }).stdout;
    expect(meta).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(meta).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(spawnSync('pdfdetach', ['-list', file], { encoding: 'utf8' }).stdout).toContain('statement.json');
    const saved = scratchFile('statement.json');
    expect(spawnSync('pdfdetach', ['-savefile', 'statement.json', '-o', saved, file]).status).toBe(0);
    const data = JSON.parse(fs.readFileSync(saved, 'utf8'));
    expect(data).toMatchObject({
      format: 'disposition-statement/1',
      statementId: 'stmt-0003',
      caseId: 'case00000001',
      vendor: 'Acme Learning Inc.',
      district: 'Riverside USD',
      returnPackage: { round: 1, files: 3, zipSha256: 'ab'.repeat(32) },
      countersignature: { by: 'user:lee', at: '2026-11-21T08:00:00Z' },
    });
    expect(pdfFonts(pdf).every((f) => f.embedded)).toBe(true);
    // The check can fail: a PDF drawn without the PDF/A settings is refused, naming the clauses.
    const plain = new PDFDocument();
    const chunks: Buffer[] = [];
    plain.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => plain.on('end', resolve));
    plain.text('Not archival').end();
    await ended;
    const plainFile = scratchFile('plain.pdf');
    fs.writeFileSync(plainFile, Buffer.concat(chunks));
    const refused = validatePdfA3b(plainFile);
    expect(refused.compliant).toBe(false);
    expect(refused.failedRules).toEqual(expect.arrayContaining(['6.2.11.4.1-1', '6.6.2.1-1'])); // a font not embedded; no XMP metadata
  }, 60_000);

  it('is the same bytes every time for the same case, on this thread or a worker thread', async () => {
    const content = gatherStatement(
      completedState(20),
      'stmt-0001',
      Date.parse('2026-11-21T09:00:00Z'),
      config,
      'c'.repeat(64),
    );
    const first = await renderStatementPdf(content);
    const second = await renderStatementPdf(
      gatherStatement(completedState(20), 'stmt-0001', Date.parse('2026-11-21T09:00:00Z'), config, 'c'.repeat(64)),
    );
    expect(second.equals(first)).toBe(true);
    expect((await renderStatementOffThread(content)).equals(first)).toBe(true);
  });

  it('prints every returned file of a 10,000-file appendix, the non-ASCII names too', async () => {
    const pdf = await renderStatementOffThread(
      gatherStatement(completedState(10_000), 'stmt-0002', Date.now(), config),
    );
    const text = await pdfText(pdf);
    for (const i of [0, 1, 4999, 9999])
      expect(text).toContain(crypto.createHash('sha256').update(`file ${i}`).digest('hex'));
    expect(text).toContain('records-9999.csv');
    expect(text).toContain('Zoë Ångström.csv');
  }, 60_000);

  it('reads as people write: times in words, one stop after a name ending in ".", long names whole at 7 pt', async () => {
    const state = completedState(3);
    const long = `${'student-records-exported-from-the-sis-'.repeat(3)}2026.csv`;
    state.submittedFiles![2] = { ...state.submittedFiles![2]!, name: long };
    const content = gatherStatement(state, 'stmt-0004', Date.parse('2026-12-07T02:39:41.123Z'), config);
    const text = (await pdfText(await renderStatementOffThread(content))).replace(/\s+/g, ' ');
    expect(text).toContain('Statement stmt-0004 · issued 7 December 2026, 02:39 UTC');
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/); // no ISO timestamp in the text people read
    expect(text).toContain('the property of Acme Learning Inc.');
    expect(text).not.toContain('Inc..');
    // The appendix's long name goes on under itself, whole: its first 39 characters on the file's line, the rest
    // on the next (no "~" cut).
    const flat = text.replace(/ /g, '');
    expect(flat).toContain(`permanent/${long}`.slice(0, 39));
    expect(flat).toContain(`permanent/${long}`.slice(39));
    expect(flat).not.toContain('~');
    // The data record keeps ISO 8601 for programs.
    const record = JSON.parse(content.attachments![0]!.content) as { issuedAt: string };
    expect(record.issuedAt).toBe('2026-12-07T02:39:41Z');
  });

  it("says how much of the district's roster the return covered, naming none of its students", async () => {
    const state = completedState(2);
    const accepted = state.returnRounds.find((round) => round.decision?.decision === 'accept')!;
    accepted.roster = { students: 1202, returned: 1200, missing: 2 };
    const content = gatherStatement(state, 'stmt-0006', Date.parse('2026-12-07T09:00:00Z'), config);
    const text = (await pdfText(await renderStatementOffThread(content))).replace(/\s+/g, ' ');
    expect(text).toContain(
      '1,200 of the 1,202 students on the roster the district shared appear in the returned data.',
    );
    const record = JSON.parse(content.attachments![0]!.content) as { returnPackage: { roster: unknown } };
    expect(record.returnPackage.roster).toEqual({ students: 1202, returned: 1200, missing: 2 });
    // Without a roster, no such line.
    const without = gatherStatement(completedState(2), 'stmt-0007', Date.parse('2026-12-07T09:00:00Z'), config);
    expect((await pdfText(await renderStatementOffThread(without))).replace(/\s+/g, ' ')).not.toContain('roster');
  });

  it('carries a QR code of its verify address beside the title, which a phone camera reads', async () => {
    const pdf = await renderStatementPdf(
      gatherStatement(completedState(1), 'stmt-0005', Date.parse('2026-11-21T09:00:00Z'), config),
    );
    const file = scratchFile('qr.pdf');
    fs.writeFileSync(file, pdf);
    const rendered = spawnSync('pdftoppm', [
      '-r',
      '150',
      '-png',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      file,
      file.replace(/\.pdf$/, ''),
    ]);
    expect(rendered.status).toBe(0);
    const png = PNG.sync.read(fs.readFileSync(file.replace(/\.pdf$/, '.png')));
    const found = jsQR(
      new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
      png.width,
      png.height,
    );
    expect(found?.data).toBe('https://disposition.example/verify?statementId=stmt-0005');
  });

  it("names the case's correspondence file and how many messages it holds", async () => {
    const content = gatherStatement(
      completedState(1),
      'stmt-0004',
      Date.parse('2026-11-21T09:00:00Z'),
      config,
      undefined,
      { sent: 7, failed: 1 },
    );
    const section = content.sections.find((s) => s.heading === 'Correspondence')!;
    expect(section.paragraphs![0]).toContain(
      '7 message(s) were sent for this case before this statement was issued, and 1 could not be delivered',
    );
    expect(section.paragraphs![0]).toContain('disposition case correspondence case00000001 -o FILE');
  });

  it('reads back a name in any script exactly, with every font embedded and subset', async () => {
    const names = {
      vendor: 'Jörg Ænderson-Łukasz GmbH',
      vietnamese: 'Nguyễn Thị Minh Khai',
      greek: 'Ελένη Παπαδοπούλου',
      cyrillic: 'Анна Смирнова',
      chinese: '王小明',
      japanese: '山田太郎 やまだ',
      korean: '김민준',
      arabic: 'محمد عبد الله',
      hebrew: 'דוד לוי',
    };
    const state = completedState(3);
    state.input.vendor.name = names.vendor;
    state.submittedFiles![0]!.name = `${names.chinese}.csv`;
    state.submittedFiles![2]!.name = `${names.arabic}.csv`;
    const at = state.createdAt;
    for (const [i, name] of Object.values(names).entries())
      state.timeline.push({ seq: i + 2, at, type: 'note', actor: 'vendor', summary: name });
    const pdf = await renderStatementPdf(
      gatherStatement(state, 'stmt-0003', Date.parse('2026-11-21T09:00:00Z'), config),
    );
    // pdftotext marks right-to-left runs with U+202B … U+202C; the text between is the name as written.
    const text = popplerText(pdf).replace(/[\u202b\u202c]/g, '');
    for (const name of Object.values(names)) expect(text, name).toContain(name);
    expect(text).toContain(`permanent/${names.chinese}.csv`);
    const fonts = pdfFonts(pdf);
    expect(fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, ''))).toEqual(
      expect.arrayContaining(['DejaVuSans', 'DejaVuSans-Bold', 'NotoSansHans-Regular', 'NotoSansKR-Regular']),
    );
    for (const font of fonts.filter((f) => !f.name.startsWith('Courier')))
      expect(font, font.name).toMatchObject({ embedded: true, subset: true, unicode: true });
  });
});
