import { z } from 'zod';
import { latestTask, openTaskOf } from '../../domain/case-state';
import { rejectionNeedsReason, reviewBodySchema, reviewBodyShape } from '../../domain/api';
import { flatFormBody, formText } from '../../presentation/forms';
import { grouped } from '../../domain/roster-coverage';
import { updateId } from '../../domain/update-ids';
import { actor, ActionUsageError, staff } from '../kit';
import { reviewOutcomes } from './handler';
import { html } from '../../presentation/markup';

/** The choice to send the vendor the roster's missing students with a rejection: offered when some are missing. */
const listMissingField = (missing: number, checked: boolean) =>
  missing > 0
    ? html`
    <label class="check"><input type="checkbox" name="listMissing" value="true"${checked ? html` checked` : ''}> Send the vendor the identifiers of the ${missing === 1 ? '1 student' : `${grouped(missing)} students`} of the roster missing from the returned data (attached to the message as a CSV: sourcedId and identifier, no names)</label>`
    : '';

export const review = staff({
  path: 'review',
  update: 'reviewReturn',
  summary: 'Accept or reject the returned data (a rejection, or accepting data that falls short, gives a reason)',
  roles: ['admin'],
  body: reviewBodySchema,
  /** `gen` is the review task this decision answers; a decision on an older package is refused. */
  message: reviewBodyShape.extend({ gen: z.number().int().positive(), ...actor }).superRefine(rejectionNeedsReason),
  fromForm: (form) => flatFormBody(form, { decision: 'text', reason: 'text', listMissing: 'boolean' }),
  refill: (form) => (formText(form, 'decision') === 'reject' ? 'reject' : 'accept'),
  outcomes: reviewOutcomes,
  outcome: (body) => (body.decision === 'reject' ? 'rejected' : 'accepted'),
  panel: {
    place: 'task',
    render: ({ caseId, state, role, csrf, again, problem }) =>
      role === 'admin' && openTaskOf(state)?.kind === 'review'
        ? html`<h2>Your review</h2><section class="actions">
  <form method="post" action="/cases/${caseId}/review">${csrf}<input type="hidden" name="decision" value="accept">${
    state.returnRounds.at(-1)?.shortfalls.length
      ? html`
    <label for="accept-reason">The returned data falls short (see the shortfalls above): why the district accepts it all the same (on the timeline and the statement)</label><textarea id="accept-reason" name="reason" required>${again('accept', 'reason')}</textarea>${problem('accept', 'reason')}
    `
      : ''
  }<button type="submit">Accept the returned data</button></form>
  <form method="post" action="/cases/${caseId}/review">${csrf}<input type="hidden" name="decision" value="reject">
    <label for="reject-reason">Reason for rejecting (sent to the vendor)</label><textarea id="reject-reason" name="reason" required>${again('reject', 'reason')}</textarea>${problem('reject', 'reason')}${listMissingField(state.returnRounds.at(-1)?.roster?.missing ?? 0, again('reject', 'listMissing') === 'true')}
    <button type="submit" class="danger">Reject</button></form></section>`
        : undefined,
  },
  cli: {
    name: 'review',
    usage: '--accept [--reason R] | --reject --reason R [--list-missing]',
    help: "accept or reject the returned data (accepting data that falls short needs --reason; --list-missing attaches the roster's missing students to the rejection)",
    options: { accept: 'boolean', reject: 'boolean', reason: 'string', 'list-missing': 'boolean' },
    body: (values) => {
      if (values.accept === values.reject) throw new ActionUsageError('give either --accept or --reject --reason R');
      return {
        decision: values.accept ? 'accept' : 'reject',
        ...(typeof values.reason === 'string' ? { reason: values.reason } : {}),
        ...(values['list-missing'] ? { listMissing: true } : {}),
      };
    },
  },
  send: (state, body, by) => {
    const open = openTaskOf(state);
    const gen = open?.kind === 'review' ? open.gen : (latestTask(state, 'review')?.gen ?? 1);
    return { payload: { ...body, gen, actor: by }, updateId: updateId('review', gen, 'reviewReturn') };
  },
});
