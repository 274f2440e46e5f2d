// The vendor acknowledges the termination notice (7400.1 III.A: the return follows, at the district's option).
import { addEvent, closeOpenTask, openTask } from '../../domain/case-state-changes';
import { byLink, checkVendorLink, handler, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const acknowledgeOutcomes = {
  acknowledged: {
    title: 'Notice acknowledged',
    text: () => 'Notice acknowledged. The next task is on its way by email.',
  },
} satisfies Record<string, Outcome>;

export const acknowledgeHandler = handler({
  update: 'acknowledgeNotice',
  outcomes: acknowledgeOutcomes,
  settledId: byLink('acknowledgeNotice'),
  validate: ({ state }, req) => {
    checkVendorLink(state, req.link, 'acknowledge');
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    closeOpenTask(state, t, 'done');
    state.acknowledgement = {
      contactName: req.contactName,
      contactEmail: req.contactEmail,
      ...(req.contactTitle ? { contactTitle: req.contactTitle } : {}),
      at: t,
    };
    addEvent(state, t, 'notice_acknowledged', 'vendor', `Notice acknowledged by ${req.contactName}`);
    // 7400.1 III.A: return at the district's option; destroy_only goes straight to certification.
    openTask(state, state.input.disposition.option === 'destroy_only' ? 'certify' : 'return', t, chores);
    return 'acknowledged';
  },
});
