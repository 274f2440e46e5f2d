// The vendor submits the files it staged as the return of the district's data (7400.1 III.A); packaging follows.
import { addEvent, closeOpenTask } from '../../domain/case-state-changes';
import { countByCategory } from '../../domain/lifecycle';
import { byLink, checkVendorLink, handler, refuse, REFUSAL, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const submitReturnOutcomes = {
  returned: { title: 'Return submitted', text: () => 'Return received. The district will review it and write to you.' },
} satisfies Record<string, Outcome>;

export const submitReturnHandler = handler({
  update: 'submitReturn',
  outcomes: submitReturnOutcomes,
  settledId: byLink('submitReturn'),
  validate: ({ state }, { link, files }) => {
    checkVendorLink(state, link, 'return');
    const requested = new Set(state.input.disposition.categories.map((c) => c.key));
    const ids = new Set<string>();
    for (const file of files) {
      if (!requested.has(file.category))
        refuse(
          REFUSAL.invalidPayload,
          `files: "${file.name}" is in category "${file.category}", which this case does not request`,
        );
      if (ids.has(file.fileId)) refuse(REFUSAL.invalidPayload, `files: file ${file.fileId} is listed twice`);
      ids.add(file.fileId);
    }
  },
  apply: ({ state, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    state.submittedFiles = req.files;
    const counts = countByCategory(state.input, req.files);
    state.returnRounds.push({
      round: state.returnRounds.length + 1,
      submittedAt: t,
      ...(req.note ? { note: req.note } : {}),
      files: req.files.length,
      bytes: req.files.reduce((sum, file) => sum + file.bytes, 0),
      ...counts,
    });
    state.status = 'packaging';
    addEvent(state, t, 'return_submitted', 'vendor', `Return submitted: ${req.files.length} file(s)`, {
      round: state.returnRounds.length,
    });
    return 'returned';
  },
});
