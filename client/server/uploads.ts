// A vendor's file, streamed from the request into encrypted staging: never buffered whole, refused past the
// size limit (413), and a repeat of the same file (a retry, a double click) answers with what is staged.
import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { stagedFileResponseSchema } from '../../domain/api';
import { DispositionError } from '../../domain/errors';
import { UploadTooLargeError, type StagedFile } from '../../infra/storage/case-file-storage';
import { UnsafeFileNameError } from '../../infra/storage/file-names';
import { UploadRefusedError } from '../../infra/storage/upload-screening';
import type { ServerContext } from './server-context';
import { requireReturnTask } from './vendor-links';

type StagedFileResponse = z.infer<typeof stagedFileResponseSchema>;

export const stagedFileResponse = (file: StagedFile): StagedFileResponse => ({
  fileId: file.fileId,
  name: file.name,
  category: file.category,
  bytes: file.bytes,
  sha256: file.sha256,
  ...(file.records !== undefined ? { records: file.records } : {}),
});

export async function stageUpload(ctx: ServerContext, request: FastifyRequest, token: string): Promise<{ file: StagedFileResponse; created: boolean }> {
  const { record } = requireReturnTask(ctx, token);
  if (!request.isMultipart()) {
    throw new DispositionError('unsupported_media_type', 'send multipart/form-data: a field "category", then a field "file"');
  }
  const categories = record.state.input.disposition.categories.map((c) => c.key);
  let category: string | undefined;
  let staged: StagedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'category') category = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || staged) {
        part.file.resume();
        throw new DispositionError('invalid_payload', 'send exactly one file, in the field "file"', [{ field: part.fieldname, message: 'unexpected file field' }]);
      }
      if (!category || !categories.includes(category)) {
        part.file.resume();
        throw new DispositionError('invalid_payload', category ? `category: "${category}" is not requested by this case; choose one of ${categories.join(', ')}` : 'category: send the "category" field before the file',
          [{ field: 'category', message: category ? 'not requested by this case' : 'required before the file' }]);
      }
      const name = part.filename || 'unnamed';
      // Browsers send a bare name; a path in it is somebody trying to climb out of a folder.
      // eslint-disable-next-line no-control-regex
      if (/[\\/\u0000-\u001f]/.test(name) || name === '.' || name === '..') {
        part.file.resume();
        throw new DispositionError('invalid_payload', `file: "${name.slice(0, 100)}" is not a plain file name`, [{ field: 'file', message: 'not a plain file name' }]);
      }
      staged = await ctx.storage.stageFile(record.caseId, { category, name }, part.file, { maxBytes: ctx.config.uploadMaxBytes, declaredType: part.mimetype });
      if (part.file.truncated) {
        await ctx.storage.removeStaged(record.caseId, staged.fileId);
        throw new UploadTooLargeError(ctx.config.uploadMaxBytes);
      }
    }
  } catch (err) {
    if (err instanceof UploadTooLargeError || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new DispositionError('too_large', `the file is larger than the limit of ${ctx.config.uploadMaxBytes} bytes; split it, or ask the district for another way`);
    }
    if (err instanceof UnsafeFileNameError || err instanceof UploadRefusedError) throw new DispositionError('invalid_payload', `file: ${err.message}`, [{ field: 'file', message: err.message }]);
    throw err;
  }
  if (!staged) throw new DispositionError('invalid_payload', 'file: no file was sent', [{ field: 'file', message: 'required' }]);

  const same = (await ctx.storage.listStaged(record.caseId)).find((f) => f.fileId !== staged!.fileId && f.category === staged!.category && f.name === staged!.name && f.sha256 === staged!.sha256);
  if (same) {
    await ctx.storage.removeStaged(record.caseId, staged.fileId);
    return { file: { ...stagedFileResponse(same), alreadyStaged: true }, created: false };
  }
  return { file: stagedFileResponse(staged), created: true };
}
