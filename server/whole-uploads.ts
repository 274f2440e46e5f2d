// Files a request carries whole (a few MiB at most), not streamed: the file of an action that takes one (a roster:
// actions/kit.ts `upload`), in the field "file" of a form; and a bulk file, as the body itself (text/csv) or that
// field (the console, curl -F), decoded strictly as UTF-8 so a name is never half-garbled.
import type { FastifyRequest } from 'fastify';
import { DispositionError } from '../domain/errors';
import { bulkFileText } from '../domain/bulk-csv';

/** 4 MiB: 5,000 rows of a dozen columns, with room. */
export const BULK_FILE_MAX_BYTES = 4 * 1024 * 1024;

export interface BulkUpload {
  text: string;
  fileName: string;
  /** The form's other fields (`_csrf`, `dryRun`). */
  fields: Record<string, string>;
}

export async function readBulkUpload(request: FastifyRequest): Promise<BulkUpload> {
  if (typeof request.body === 'string') return { text: request.body, fileName: 'upload.csv', fields: {} };
  if (!request.isMultipart()) {
    throw new DispositionError(
      'unsupported_media_type',
      'send the CSV file as text/csv, or as the field "file" of multipart/form-data',
    );
  }
  const { file, fields } = await readWholeUpload(request, {
    maxBytes: BULK_FILE_MAX_BYTES,
    tooLarge: `the file is larger than ${BULK_FILE_MAX_BYTES / 1024 / 1024} MiB; split it into several files`,
    choose: 'choose a CSV file (the field "file")',
  });
  return { text: bulkFileText(file.bytes), fileName: file.name.slice(0, 200) || 'upload.csv', fields };
}

/** What a refused upload of an action's file says (actions/kit.ts `upload`). */
export const uploadWords = (upload: { maxBytes: number; what: string }) => ({
  maxBytes: upload.maxBytes,
  tooLarge: `${upload.what} is larger than ${upload.maxBytes / 1024 / 1024} MiB`,
  choose: `Choose the file of ${upload.what} (the field "file").`,
});

/**
 * A file sent whole in the field "file" of multipart/form-data (at most `maxBytes`), with the form's other fields
 * (`_csrf`): a bulk file, a roster (an action that takes a file, actions/kit.ts `upload`).
 */
export async function readWholeUpload(
  request: FastifyRequest,
  words: { maxBytes: number; tooLarge: string; choose: string },
): Promise<{ file: { bytes: Buffer; name: string }; fields: Record<string, string> }> {
  if (!request.isMultipart())
    throw new DispositionError('unsupported_media_type', 'send the file as the field "file" of multipart/form-data');
  const fields: Record<string, string> = {};
  let file: { bytes: Buffer; name: string } | undefined;
  for await (const part of request.parts({ limits: { fileSize: words.maxBytes } })) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    if (part.fieldname !== 'file' || file) {
      part.file.resume();
      throw new DispositionError('invalid_payload', 'send exactly one file, in the field "file"', [
        { field: part.fieldname, message: 'unexpected file field' },
      ]);
    }
    const bytes = await part.toBuffer().catch((err: { code?: string }) => {
      if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw new DispositionError('too_large', words.tooLarge);
      throw err;
    });
    file = { bytes, name: part.filename ?? '' };
  }
  if (!file) throw new DispositionError('invalid_payload', words.choose, [{ field: 'file', message: 'required' }]);
  return { file, fields };
}

/** The text/csv body parser: the same limit, the same strict decoding. */
export function csvBodyParser(
  _request: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, body?: string) => void,
): void {
  try {
    done(null, bulkFileText(body));
  } catch (err) {
    done(err as Error);
  }
}
