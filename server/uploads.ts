// A vendor's file, streamed from the request into encrypted staging: never buffered whole, refused past the
// size limit (413), and a repeat of the same file (a retry, a double click) answers with what is staged.
import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { stagedFileResponseSchema } from './api-answers';
import { BIDI_CONTROL, BIDI_REFUSAL } from '../domain/text';
import { DispositionError } from '../domain/errors';
import { StorageFullError, UploadTooLargeError, type StagedFile } from '../infra/storage/case-file-storage';
import { UnsafeFileNameError } from '../infra/storage/file-names';
import { UploadRefusedError } from '../infra/storage/upload-screening';
import type { ServerContext } from './server-context';
import { requireReturnTask } from './vendor-links';
import { fieldRefusal } from '../domain/messages';
import { sizeInWords } from '../domain/sizes';

/** A file of 0 bytes: refused, with nothing staged. */
class EmptyUploadError extends Error {
  constructor(readonly fileName: string) {
    super('the file is empty');
  }
}

type StagedFileResponse = z.infer<typeof stagedFileResponseSchema>;

export const stagedFileResponse = (file: StagedFile): StagedFileResponse => ({
  fileId: file.fileId,
  name: file.name,
  category: file.category,
  bytes: file.bytes,
  sha256: file.sha256,
  ...(file.records !== undefined ? { records: file.records } : {}),
});

// busboy's errors carry no code, only these messages: a body that is not well-formed multipart (cut short,
// no boundary, a boundary longer than RFC 2046's 70 characters) is the client's mistake, not ours.
const MALFORMED_MULTIPART = /multipart data|^Multipart: |^The needle |^Boundary required/;

/** The refusal for a body the multipart parser could not read; undefined for any other error. */
export function malformedMultipart(error: unknown): DispositionError | undefined {
  if (
    !(error instanceof Error) ||
    (error as { code?: unknown }).code !== undefined ||
    !MALFORMED_MULTIPART.test(error.message)
  )
    return undefined;
  return new DispositionError('invalid_payload', `the body is not well-formed multipart/form-data: ${error.message}`);
}

/**
 * A refusal mid-file (a full disk, content that contradicts its type, a bomb) leaves the parser stalled on the
 * part it no longer reads, and the client, still sending, stalled with it until a timeout, holding a socket and
 * the server's shutdown. Read the rest and drop it, as the parser does past the size limit; a body that runs on
 * beyond the upload limit loses its connection instead.
 */
export function discardRestOfBody(request: FastifyRequest, limit: number): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  raw.unpipe();
  let dropped = 0;
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limit) raw.socket?.destroy();
  });
  raw.resume();
}

/** 413 `case_storage_limit`: the limit, what is staged, and what the vendor and the district can do. */
function caseStorageRefusal(name: string, limit: number, stagedBytes: number, files: number): DispositionError {
  return new DispositionError(
    'case_storage_limit',
    `This case may hold up to ${sizeInWords(limit)} of returned files, and ${sizeInWords(stagedBytes)} in ${files} file${files === 1 ? ' is' : 's are'} staged: "${name.slice(0, 200)}" does not fit, so nothing of it was kept. Submit what is staged, remove a file, or ask the district to raise the case's storage limit.`,
    { limitBytes: limit, stagedBytes, stagedFiles: files },
  );
}

export async function stageUpload(
  ctx: ServerContext,
  request: FastifyRequest,
  token: string,
): Promise<{ file: StagedFileResponse; created: boolean }> {
  const { record } = await requireReturnTask(ctx, token);
  if (!request.isMultipart()) {
    throw new DispositionError(
      'unsupported_media_type',
      'send multipart/form-data: a field "category", then a field "file"',
    );
  }
  const categories = record.state.input.disposition.categories.map((c) => c.key);
  // The case's storage (issue 26 item 5): what is staged already, and what room is left for this file.
  const limit = record.state.storageLimit?.bytes ?? ctx.config.caseStorageLimit;
  const stagedBefore = await ctx.storage.listStaged(record.caseId);
  const stagedBytes = stagedBefore.reduce((sum, f) => sum + f.bytes, 0);
  const room = Math.max(limit - stagedBytes, 0);
  const full = (name: string): DispositionError => caseStorageRefusal(name, limit, stagedBytes, stagedBefore.length);
  let category: string | undefined;
  let staged: StagedFile | undefined;
  let stagedAfter: StagedFile[] = [];
  let fileName = 'the file';
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'category') category = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || staged) {
        part.file.resume();
        throw new DispositionError('invalid_payload', 'send exactly one file, in the field "file"', [
          { field: part.fieldname, message: 'unexpected file field' },
        ]);
      }
      if (!category || !categories.includes(category)) {
        part.file.resume();
        throw new DispositionError(
          'invalid_payload',
          category
            ? `category: "${category}" is not requested by this case; choose one of ${categories.join(', ')}`
            : 'category: send the "category" field before the file',
          [{ field: 'category', message: category ? 'not requested by this case' : 'required before the file' }],
        );
      }
      const name = part.filename || 'unnamed';
      // Browsers send a bare name; a path in it is somebody trying to climb out of a folder.
      // eslint-disable-next-line no-control-regex
      if (/[\\/\u0000-\u001f]/.test(name) || name === '.' || name === '..') {
        part.file.resume();
        throw fieldRefusal('file', `"${name.slice(0, 100)}" is not a plain file name`);
      }
      // "invoice\u202efdp.exe" shows as "invoiceexe.pdf": the district must read the name the package holds.
      if (BIDI_CONTROL.test(name)) {
        part.file.resume();
        throw fieldRefusal('file', `its name ${BIDI_REFUSAL}`);
      }
      if (room === 0) {
        part.file.resume();
        throw full(name);
      }
      fileName = name;
      staged = await ctx.storage.stageFile(record.caseId, { category, name }, part.file, {
        maxBytes: Math.min(ctx.config.uploadMaxBytes, room),
        declaredType: part.mimetype,
      });
      if (part.file.truncated) {
        await ctx.storage.removeStaged(record.caseId, staged.fileId);
        throw new UploadTooLargeError(ctx.config.uploadMaxBytes);
      }
      // Two uploads at once may each fit and not both: the later one to finish goes.
      stagedAfter = await ctx.storage.listStaged(record.caseId);
      if (stagedAfter.reduce((sum, f) => sum + f.bytes, 0) > limit) throw full(name);
      // Nothing in it: most likely the wrong file, or an export that failed. (A CSV of its header alone is kept: a
      // category with no records says so.)
      if (staged.bytes === 0) throw new EmptyUploadError(name);
    }
  } catch (err) {
    discardRestOfBody(request, ctx.config.uploadMaxBytes);
    // A refused request keeps nothing: a file staged before the refusal (a second file part after it) goes too.
    if (staged) await ctx.storage.removeStaged(record.caseId, staged.fileId);
    if ((err as { code?: string }).code === 'FST_FILES_LIMIT') {
      throw new DispositionError('invalid_payload', 'send exactly one file, in the field "file"', [
        { field: 'file', message: 'more than one file' },
      ]);
    }
    if (err instanceof UploadTooLargeError && err.limit < ctx.config.uploadMaxBytes) throw full(fileName);
    if (err instanceof UploadTooLargeError || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new DispositionError(
        'too_large',
        `the file is larger than the limit of ${ctx.config.uploadMaxBytes} bytes; split it, or ask the district for another way`,
      );
    }
    if (err instanceof EmptyUploadError)
      throw new DispositionError(
        'empty_file',
        `"${err.fileName}" is empty (0 bytes), so it was not staged; choose the export that holds the data.`,
        [{ field: 'file', message: `"${err.fileName}" is empty (0 bytes): choose the export that holds the data.` }],
      );
    if (err instanceof UnsafeFileNameError || err instanceof UploadRefusedError)
      throw fieldRefusal('file', err.message);
    if (err instanceof StorageFullError) {
      // The operators must hear of it; the vendor learns that nothing is lost and that a later try can work.
      console.error(
        `[server] storage full while staging an upload for case ${record.caseId}: ${(err.cause as Error).message}`,
      );
      throw new DispositionError(
        'storage_full',
        "the district's storage is full, so this file was not kept; the files staged before it are safe. Please try again later.",
      );
    }
    throw err;
  }
  if (!staged) throw fieldRefusal('file', 'choose one to upload; none was sent');

  // The same file staged before (a repeated upload): the listing taken after this one was written shows it.
  const same = stagedAfter.find(
    (f) =>
      f.fileId !== staged.fileId &&
      f.category === staged.category &&
      f.name === staged.name &&
      f.sha256 === staged.sha256,
  );
  if (same) {
    await ctx.storage.removeStaged(record.caseId, staged.fileId);
    return { file: { ...stagedFileResponse(same), alreadyStaged: true }, created: false };
  }
  return { file: stagedFileResponse(staged), created: true };
}
