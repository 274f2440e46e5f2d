// The district emails a subprocessor a new link, to a corrected address when given; its older links stop working.
import { addEvent } from '../../domain/case-state-changes';
import { handler, pendingSubprocessorNamed, refuseWhenClosed, subprocessorOf, type Outcome } from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const resendSubprocessorLinkOutcomes = {
  'subprocessor-link-sent': {
    text: () => 'A new link is on its way to the subprocessor, the vendor copied; its older links no longer work.',
  },
} satisfies Record<string, Outcome>;

export const resendSubprocessorLinkHandler = handler({
  update: 'resendSubprocessorLink',
  outcomes: resendSubprocessorLinkOutcomes,
  validate: ({ state }, link) => {
    refuseWhenClosed(state);
    pendingSubprocessorNamed(state, link.subprocessorId);
  },
  apply: (run, req) => {
    const { state } = run;
    const sub = subprocessorOf(state, req.subprocessorId)!;
    sub.gen += 1; // older links stop working
    sub.noticeSent = false;
    const moved =
      req.contactEmail && req.contactEmail.toLowerCase() !== sub.contactEmail.toLowerCase()
        ? sub.contactEmail
        : undefined;
    if (req.contactEmail) sub.contactEmail = req.contactEmail;
    addEvent(
      state,
      run.now(),
      'link_resent',
      req.actor,
      `New link for the subprocessor ${sub.name}${moved ? `, now to ${sub.contactEmail} (was ${moved})` : ''}; older links no longer work`,
      { subprocessorId: sub.id },
    );
    const gen = sub.gen;
    return { outcome: 'subprocessor-link-sent', after: () => run.relinkSubprocessor(sub.id, gen) };
  },
});
