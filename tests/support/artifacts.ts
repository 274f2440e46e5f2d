// Reading what the case produced the way a district would: the ZIP with unzip, the PDF's text with pdf-parse.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

export async function saveStream(stream: Readable, file: string): Promise<string> {
  await pipeline(stream, fs.createWriteStream(file));
  return file;
}

export const scratchFile = (name: string): string =>
  path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-artifact-')), name);

/** `unzip -t`: exit status and output. */
export function unzipTest(zipFile: string): { status: number | null; output: string } {
  const result = spawnSync('unzip', ['-t', zipFile], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function unzipEntry(zipFile: string, entry: string): Buffer {
  const result = spawnSync('unzip', ['-p', zipFile, entry]);
  if (result.status !== 0) throw new Error(`unzip -p ${entry} failed: ${String(result.stderr)}`);
  return result.stdout;
}

/** The fonts of a PDF as `pdffonts` lists them. */
export function pdfFonts(
  pdf: Buffer,
): { name: string; type: string; embedded: boolean; subset: boolean; unicode: boolean }[] {
  const file = scratchFile('fonts.pdf');
  fs.writeFileSync(file, pdf);
  const listed = spawnSync('pdffonts', [file], { encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`pdffonts: ${listed.stderr}`);
  return listed.stdout
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const cells = line.trim().split(/\s+/);
      const [emb, sub, uni] = cells.slice(-5, -2);
      return {
        name: cells[0]!,
        type: cells.slice(1, -6).join(' '),
        embedded: emb === 'yes',
        subset: sub === 'yes',
        unicode: uni === 'yes',
      };
    });
}

/** The text of a PDF as poppler's `pdftotext` reads it (what most readers' copy and search give). */
export function popplerText(pdf: Buffer): string {
  const file = scratchFile('text.pdf');
  fs.writeFileSync(file, pdf);
  const read = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  if (read.status !== 0) throw new Error(`pdftotext: ${read.stderr}`);
  return read.stdout;
}
