import { extendBodySchema } from '../../domain/api';
import { openTaskOf } from '../../domain/case-state';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { extendOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { TASK_TITLES } from '../../domain/statuses';

export const extend = staff({
  path: 'extend',
  update: 'extendDeadline',
  summary: 'Move the due time of the open task',
  roles: ['admin'],
  body: extendBodySchema,
  message: extendBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { task: 'text', until: 'text', reason: 'text' }),
  refill: () => 'extend',
  outcomes: extendOutcomes,
  outcome: () => 'extended',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      const open = openTaskOf(state);
      if (role !== 'admin' || !open) return undefined;
      return html`
  <form method="post" action="/cases/${caseId}/extend">${csrf}<input type="hidden" name="task" value="${open.kind}">
    <label for="until">New due date for "${TASK_TITLES[open.kind]}"</label><input type="date" id="until" name="until" value="${again('extend', 'until')}" required>${problem('extend', 'until')}
    <label for="extend-reason">Reason</label><input type="text" id="extend-reason" name="reason" value="${again('extend', 'reason')}" required>${problem('extend', 'reason')}
    <button type="submit" class="secondary">Extend</button></form>`;
    },
  },
  cli: {
    name: 'extend',
    usage: '--task T --until DATE --reason R',
    help: 'move the due time of the open task',
    options: { task: 'string', until: 'string', reason: 'string' },
    body: (values) => ({
      task: cliText(values, 'task'),
      until: cliText(values, 'until'),
      reason: cliText(values, 'reason'),
    }),
  },
  send: (state, body, by) => {
    const open = openTaskOf(state);
    return {
      payload: { ...body, actor: by },
      updateId: `${updateId(open?.kind ?? 'case', open?.gen ?? 0, 'extendDeadline')}-${body.until}`,
    };
  },
});
