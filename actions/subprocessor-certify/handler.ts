// A subprocessor the vendor named certifies, through its own link, the destruction of the district's data it held.
import { addEvent } from '../../domain/case-state-changes';
import { subprocessorCertificationProblems } from '../../domain/lifecycle';
import {
  afterSubprocessorSettled,
  byLink,
  handler,
  refuse,
  REFUSAL,
  refuseWhenClosed,
  subprocessorOf,
  type Outcome,
} from '../handler-kit';

/** What the page and the API answer say once it is done, by outcome. */
export const subprocessorCertifyOutcomes = {
  'subprocessor-certified': {
    title: 'Certification received',
    text: () => 'Certification received. Thank you: nothing more is needed from you for this case.',
  },
} satisfies Record<string, Outcome>;

export const subprocessorCertifyHandler = handler({
  update: 'certifySubprocessor',
  outcomes: subprocessorCertifyOutcomes,
  settledId: byLink('certifySubprocessor'),
  validate: ({ state, now }, { link, certification }) => {
    refuseWhenClosed(state);
    if (link.task !== 'subprocessor_certify')
      refuse(
        REFUSAL.wrongState,
        "this action belongs to the link a subprocessor was sent; this link is for the vendor's own task",
      );
    const sub = subprocessorOf(state, link.sub);
    if (!sub) refuse(REFUSAL.wrongState, 'this link names no subprocessor of the case');
    if (sub.waiver)
      refuse(REFUSAL.wrongState, `the district waived ${sub.name}'s certification; nothing more is needed`);
    if (sub.certification) refuse(REFUSAL.wrongState, `${sub.name} has already certified its destruction`);
    if (link.gen !== sub.gen)
      refuse(REFUSAL.staleLink, 'this link was replaced by a newer one; use the link in the most recent email');
    const problems = subprocessorCertificationProblems(state, certification, now());
    if (problems.length) refuse(REFUSAL.invalidPayload, problems.join('\n'));
  },
  apply: (run, req) => {
    const { state, now } = run;
    const sub = subprocessorOf(state, req.link.sub)!;
    const t = now();
    const cert = req.certification;
    sub.certification = { ...cert, at: t, ...(req.signatoryCheck ? { signatoryCheck: req.signatoryCheck } : {}) };
    addEvent(
      state,
      t,
      'subprocessor_certified',
      'subprocessor',
      `${sub.name} certified destruction: signed by ${cert.signatoryName}, ${cert.signatoryTitle} (completed ${cert.completedOn}, NIST SP 800-88 ${cert.method})`,
      { subprocessorId: sub.id },
    );
    afterSubprocessorSettled(run, t);
    return { outcome: 'subprocessor-certified', after: () => run.settleSubprocessor(sub.id) };
  },
});
