import { z } from 'zod';
import { openTaskOf } from '../../domain/case-state';
import { updateId } from '../../domain/update-ids';
import { actor, staff } from '../kit';
import { resendLinkOutcomes } from './handler';
import { html } from '../../presentation/markup';

export const resendLink = staff({
  path: 'resend-link',
  update: 'resendLink',
  summary: 'Email a new link for the open vendor task; older links stop working',
  roles: ['admin'],
  message: z.object(actor),
  fromForm: () => ({}),
  outcomes: resendLinkOutcomes,
  outcome: () => 'link-sent',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf }) => {
      const open = openTaskOf(state);
      return role === 'admin' && open && open.kind !== 'review' && open.kind !== 'countersign'
        ? html`
  <form method="post" action="/cases/${caseId}/resend-link">${csrf}<button type="submit" class="secondary">Email a new link to the vendor</button></form>`
        : undefined;
    },
  },
  cli: {
    name: 'resend-link',
    usage: '',
    help: 'email a new link for the open vendor task',
    options: {},
    body: () => ({}),
  },
  send: (state, _body, by) => {
    const open = openTaskOf(state);
    return { payload: { actor: by }, updateId: updateId(open?.kind ?? 'case', open?.gen ?? 0, 'resendLink') };
  },
});
