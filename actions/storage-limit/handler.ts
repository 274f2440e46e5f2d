// The district sets how much a case may hold of staged returned files (issue 26 item 5): past it, an upload is
// refused with 413 `case_storage_limit` and nothing of it is kept. The server's CASE_STORAGE_LIMIT holds until an
// administrator sets the case's own, on the case page, the API or the CLI.
import { addEvent } from '../../domain/case-state-changes';
import { parseByteSize, sizeInWords } from '../../domain/sizes';
import { handler, refuse, REFUSAL, refuseWhenClosed, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const storageLimitOutcomes = {
  set: {
    text: (state) => `The case may now hold up to ${sizeInWords(state.storageLimit?.bytes ?? 0)} of returned files.`,
  },
} satisfies Record<string, Outcome>;

export const storageLimitHandler = handler({
  update: 'setStorageLimit',
  outcomes: storageLimitOutcomes,
  validate: ({ state }, request) => {
    refuseWhenClosed(state);
    if (parseByteSize(request.limit) === undefined) refuse(REFUSAL.invalidPayload, 'limit: is not a size');
  },
  apply: (run, req) => {
    const { state } = run;
    const t = run.now();
    const bytes = parseByteSize(req.limit)!;
    state.storageLimit = { bytes, reason: req.reason, by: req.actor, at: t };
    addEvent(
      state,
      t,
      'storage_limit_set',
      req.actor,
      `Storage for returned files set to ${sizeInWords(bytes)} (${req.reason})`,
    );
    return 'set';
  },
});
