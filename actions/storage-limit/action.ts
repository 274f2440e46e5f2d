import { storageLimitBodySchema } from '../../domain/api';
import { isTerminal } from '../../domain/statuses';
import { parseByteSize, sizeInWords } from '../../domain/sizes';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { storageLimitOutcomes } from './handler';
import { html } from '../../presentation/markup';

export const storageLimit = staff({
  path: 'storage-limit',
  update: 'setStorageLimit',
  summary: 'Set how much the case may hold of staged returned files',
  roles: ['admin'],
  body: storageLimitBodySchema,
  message: storageLimitBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { limit: 'text', reason: 'text' }),
  refill: () => 'storage-limit',
  outcomes: storageLimitOutcomes,
  outcome: () => 'set',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      if (role !== 'admin' || isTerminal(state.status)) return undefined;
      const now = state.storageLimit
        ? sizeInWords(state.storageLimit.bytes)
        : "the server's default (CASE_STORAGE_LIMIT)";
      return html`
  <form method="post" action="/cases/${caseId}/storage-limit">${csrf}
    <label for="storage-limit">Storage for returned files (now ${now})</label><span id="storage-limit-hint" class="hint">A size such as 200 GiB or 1.5 TiB</span><input type="text" id="storage-limit" name="limit" inputmode="decimal" placeholder="200 GiB" value="${again('storage-limit', 'limit')}" required aria-describedby="storage-limit-hint">${problem('storage-limit', 'limit')}
    <label for="storage-limit-reason">Reason</label><input type="text" id="storage-limit-reason" name="reason" value="${again('storage-limit', 'reason')}" required>${problem('storage-limit', 'reason')}
    <button type="submit" class="secondary">Set the storage limit</button></form>`;
    },
  },
  cli: {
    name: 'storage-limit',
    usage: '--limit SIZE --reason R',
    help: 'how much the case may hold of staged returned files ("200 GiB")',
    options: { limit: 'string', reason: 'string' },
    body: (values) => ({ limit: cliText(values, 'limit'), reason: cliText(values, 'reason') }),
  },
  send: (_state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: `${updateId('case', 0, 'setStorageLimit')}-${parseByteSize(body.limit) ?? body.limit}`,
  }),
});
