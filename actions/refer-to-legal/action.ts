import { enforcementBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, cliText, staff } from '../kit';
import { referToLegalOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { enforcementRefusal } from '../../domain/enforcement';

export const referToLegal = staff({
  path: 'refer-to-legal',
  update: 'referToLegal',
  summary:
    "Refer the case to legal counsel (after the vendor was marked not cooperating): legal staff get a letter with the case's history",
  roles: ['admin'],
  body: enforcementBodySchema,
  message: enforcementBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { note: 'text' }),
  refill: () => 'refer-to-legal',
  outcomes: referToLegalOutcomes,
  outcome: () => 'referred',
  panel: {
    place: 'actions',
    render: ({ caseId, state, role, csrf, again, problem }) =>
      role === 'admin' && !enforcementRefusal(state, 'referred_to_legal')
        ? html`
  <form method="post" action="/cases/${caseId}/refer-to-legal">${csrf}
    <label for="refer-note">Note for legal counsel</label><textarea id="refer-note" name="note" required>${again('refer-to-legal', 'note')}</textarea>${problem('refer-to-legal', 'note')}
    <button type="submit" class="danger">Refer the case to legal</button></form>`
        : undefined,
  },
  cli: {
    name: 'refer-to-legal',
    usage: '--note N',
    help: 'refer the case to legal counsel; legal staff get the referral letter',
    options: { note: 'string' },
    body: (values) => ({ note: cliText(values, 'note') }),
  },
  send: (_state, body, by) => ({ payload: { ...body, actor: by }, updateId: updateId('case', 0, 'referToLegal') }),
});
