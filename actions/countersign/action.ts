import { z } from 'zod';
import { countersignBodySchema } from '../../domain/api';
import { latestTask } from '../../domain/case-state';
import { flatFormBody } from '../../presentation/forms';
import { updateId } from '../../domain/update-ids';
import { actor, staff } from '../kit';
import { countersignOutcomes } from './handler';
import { html } from '../../presentation/markup';
import { openTaskOf, subprocessorsOf } from '../../domain/case-state';

export const countersign = staff({
  path: 'countersign',
  update: 'countersignStatement',
  summary:
    'Countersign for the district (cases started with legalSignoff): after the vendor certified, legal staff review and countersign; only then is the statement issued, naming who countersigned and when',
  roles: ['legal'],
  body: countersignBodySchema,
  /** `gen` is the countersignature task this answers (a later one, after a reopening, needs its own). */
  message: countersignBodySchema.extend({ gen: z.number().int().positive(), ...actor }),
  fromForm: (form) => flatFormBody(form, { attestation: 'boolean', note: 'text' }),
  refill: () => 'countersign',
  outcomes: countersignOutcomes,
  outcome: () => 'countersigned',
  panel: {
    place: 'task',
    render: ({ caseId, state, role, csrf, again, problem }) => {
      if (openTaskOf(state)?.kind !== 'countersign') return undefined;
      if (role !== 'legal')
        return html`<h2>Countersignature</h2><section><p>The statement waits for legal staff to review the vendor's certification and countersign for the district.</p></section>`;
      return html`<h2>Countersign for the district</h2><section>
  <p>The vendor's certification${subprocessorsOf(state).length ? ", its subprocessors' certifications or waivers," : ''} and the case record are below. Once you countersign, the statement is issued and names you.</p>
  <form method="post" action="/cases/${caseId}/countersign">${csrf}
    <label class="check"><input type="checkbox" name="attestation" value="true" required> I reviewed the vendor's certification and the case record, and countersign for the district.</label>${problem('countersign', 'attestation')}
    <label for="countersign-note">Note for the record (optional, printed on the statement)</label><textarea id="countersign-note" name="note">${again('countersign', 'note')}</textarea>${problem('countersign', 'note')}
    <button type="submit">Countersign and issue the statement</button></form>
</section>`;
    },
  },
  cli: {
    name: 'sign',
    usage: '[--note N]',
    help: 'countersign for the district (legal staff), after the vendor certified',
    options: { note: 'string' },
    body: (values) => ({ attestation: true, ...(typeof values.note === 'string' ? { note: values.note } : {}) }),
  },
  send: (state, body, by) => {
    const gen = latestTask(state, 'countersign')?.gen ?? 1;
    return { payload: { ...body, gen, actor: by }, updateId: updateId('countersign', gen, 'countersignStatement') };
  },
});
