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

export const scratchFile = (name: string): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-artifact-')), name);

/** `unzip -t`: exit status and output. */
export function unzipTest(zipFile: string): { status: number | null; output: string } {
  const result = spawnSync('unzip', ['-t', zipFile], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function unzipEntry(zipFile: string, entry: string): Buffer {
  const result = spawnSync('unzip', ['-p', zipFile, entry]);
  if (result.status !== 0) throw new Error(`unzip -p ${entry} failed: ${result.stderr}`);
  return result.stdout;
}
