import { legalHoldBodySchema } from '../../domain/api';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, ActionUsageError, cliText, staff } from '../kit';
import { legalHoldOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { legalHoldOn } from '../../domain/case-state';

export const legalHold = staff({
  path: 'legal-hold',
  update: 'setLegalHold',
  summary: "Hold or release the case's data",
  roles: ['admin', 'legal'],
  body: legalHoldBodySchema,
  message: legalHoldBodySchema.extend(actor),
  fromForm: (form) => flatFormBody(form, { on: 'boolean', reason: 'text' }),
  refill: () => 'legal-hold',
  outcomes: legalHoldOutcomes,
  outcome: (body) => (body.on ? 'hold-set' : 'hold-released'),
  panel: {
    place: 'actions',
    render: ({ caseId, state, csrf, again, problem }) => {
      const on = legalHoldOn(state);
      return html`
  <form method="post" action="/cases/${caseId}/legal-hold">${csrf}<input type="hidden" name="on" value="${on ? 'false' : 'true'}">
    <label for="hold-reason">Reason for ${on ? 'releasing' : 'setting'} the legal hold</label><input type="text" id="hold-reason" name="reason" value="${again('legal-hold', 'reason')}" required>${problem('legal-hold', 'reason')}
    <button type="submit" class="secondary">${on ? 'Release the legal hold' : 'Set a legal hold'}</button></form>`;
    },
  },
  cli: {
    name: 'hold',
    usage: '--on|--off --reason R',
    help: 'set or release a legal hold',
    options: { on: 'boolean', off: 'boolean', reason: 'string' },
    body: (values) => {
      if (values.on === values.off) throw new ActionUsageError('give either --on or --off');
      return { on: values.on === true, reason: cliText(values, 'reason') };
    },
  },
  send: (state, body, by) => ({
    payload: { ...body, actor: by },
    updateId: `${updateId('case', state.legalHold.length, 'setLegalHold')}-${body.on ? 'on' : 'off'}`,
  }),
  recordOwned: true,
});
