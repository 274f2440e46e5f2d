// A ZIP of named files, written by the project's own writer (deflated), as a student information system exports a
// OneRoster set.
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { entryName, METHOD_DEFLATED } from '../../infra/package/zip-records';
import { ZipWriter } from '../../infra/package/zip-writer';

export async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => parts.push(chunk));
  const writer = new ZipWriter(sink);
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    await writer.addEntry(
      { ...entryName(name), method: METHOD_DEFLATED, mtime: Date.UTC(2026, 7, 1) },
      { crc32: zlib.crc32(data), size: data.length },
      [zlib.deflateRawSync(data)],
    );
  }
  await writer.finish();
  sink.end();
  return Buffer.concat(parts);
}
