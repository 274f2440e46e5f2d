// The vendor (or a subprocessor) asks, through the link of its open task, for more time; the district grants the
// request (the due time moves exactly as an extension moves it) or refuses it (it stands). Both are on the
// timeline, and so on the statement; each side is mailed the other's step.
import { openTaskOf, type CaseState } from '../../domain/case-state';
import { addEvent } from '../../domain/case-state-changes';
import { parseMoment, readableMoment } from '../../domain/dates';
import { MAX_DEADLINE_MS } from '../../domain/durations';
import { linkTaskTitle, type LinkTaskKind } from '../../domain/statuses';
import { linkUpdateId, textHash, updateId } from '../../domain/update-ids';
import { moveDueTime, validateNewDueTime } from '../extend/handler';
import {
  checkVendorLink,
  handler,
  refuse,
  REFUSAL,
  refuseWhenClosed,
  subprocessorOf,
  type CaseRun,
  type Outcome,
} from '../handler-kit';

export interface ExtensionRequest {
  /** `r1`, `r2`, … in the order asked. */
  id: string;
  /** The task whose link asked, and for a subprocessor's link, which subprocessor. */
  task: LinkTaskKind;
  sub?: string;
  until: string;
  reason: string;
  requestedAt: number;
  /** The due time when it was asked. */
  dueAt: number;
  status: 'pending' | 'granted' | 'refused';
  decidedBy?: string;
  decidedAt?: number;
  decisionReason?: string;
}

declare module '../../domain/case-state' {
  interface CaseState {
    /** Requests for more time, in the order asked (actions/extension-request). */
    extensionRequests?: ExtensionRequest[];
  }
}

export const requestsOf = (state: CaseState): ExtensionRequest[] => state.extensionRequests ?? [];
const untilMs = (until: string): number => parseMoment(until)!;

/** Whose the request is, and what it is about, in the words of the timeline and the mail. */
function subject(
  state: CaseState,
  request: Pick<ExtensionRequest, 'task' | 'sub'>,
): { who: string; what: string; subName?: string } {
  const sub = request.sub ? subprocessorOf(state, request.sub) : undefined;
  return sub
    ? { who: `The subprocessor ${sub.name}`, what: `${sub.name}'s certification of destruction`, subName: sub.name }
    : { who: 'The vendor', what: linkTaskTitle(request.task) };
}

/**
 * The due time now of what a link, or a request made through one, is for: its subprocessor's, or its task's while
 * that task is open (a checked link's always is).
 */
function dueNow(state: CaseState, of: { task: LinkTaskKind; sub?: string | undefined }): number | undefined {
  if (of.sub) return subprocessorOf(state, of.sub)?.dueAt;
  const open = openTaskOf(state);
  return open?.kind === of.task ? open.dueAt : undefined;
}

export const requestOutcomes = {
  'extension-requested': {
    title: 'Request sent',
    text: () =>
      'Your request for more time is with the district, which will write to you with its decision. Until then the due date stands.',
  },
} satisfies Record<string, Outcome>;

/** A request through a link: one per wording (a double click answers once), a new one after a decision. */
export const requestUpdateSuffix = (payload: { until: string; reason: string }): string =>
  textHash(`${payload.until}\n${payload.reason}`);

export const requestExtensionHandler = handler({
  update: 'requestExtension',
  outcomes: requestOutcomes,
  settledId: (req) => `${linkUpdateId(req.link, 'requestExtension')}-${requestUpdateSuffix(req)}`,
  validate: ({ state, now }, { link, until }) => {
    refuseWhenClosed(state);
    if (link.task === 'subprocessor_certify') {
      const sub = subprocessorOf(state, link.sub);
      if (!sub || sub.certification || sub.waiver)
        refuse(REFUSAL.wrongState, "this link's certification is no longer open; nothing is due");
      if (link.gen !== sub.gen)
        refuse(REFUSAL.staleLink, 'this link was replaced by a newer one; use the link in the most recent email');
    } else {
      checkVendorLink(state, link);
    }
    const pending = requestsOf(state).find((r) => r.status === 'pending' && r.task === link.task && r.sub === link.sub);
    if (pending) {
      refuse(
        REFUSAL.wrongState,
        `your request of ${readableMoment(pending.requestedAt)} to move the due date to ${pending.until} is still waiting for the district's decision; one request at a time`,
      );
    }
    // Asked after the due time is fine (the district decides); asking for a date that is not later is not.
    const due = dueNow(state, link)!;
    if (untilMs(until) <= Math.max(due, now()))
      refuse(
        REFUSAL.invalidPayload,
        `until: ask for a date later than the current due date (${readableMoment(Math.max(due, now()))})`,
      );
    if (untilMs(until) > now() + MAX_DEADLINE_MS)
      refuse(REFUSAL.invalidPayload, 'until: a request may reach at most 10 years ahead');
  },
  apply: ({ state, chores, now }, req) => {
    const t = now();
    const request: ExtensionRequest = {
      id: `r${requestsOf(state).length + 1}`,
      task: req.link.task,
      ...(req.link.sub ? { sub: req.link.sub } : {}),
      until: req.until,
      reason: req.reason,
      requestedAt: t,
      dueAt: dueNow(state, req.link)!,
      status: 'pending',
    };
    (state.extensionRequests ??= []).push(request);
    const { who, what } = subject(state, request);
    addEvent(
      state,
      t,
      'extension_requested',
      request.sub ? 'subprocessor' : 'vendor',
      `${who} asked for more time: "${what}" due ${readableMoment(untilMs(request.until))} instead of ${readableMoment(request.dueAt)} (${request.reason})`,
      { requestId: request.id },
    );
    const contract = `${state.input.vendor.name}, contract ${state.input.contract.id}`;
    chores.push({
      id: `extension-request-${request.id}`,
      kind: 'mail',
      mail: {
        id: `extension-request-${request.id}`,
        kind: 'written',
        written: {
          to: 'district',
          subject: `Request for more time: ${what} — ${contract}`,
          heading: 'A request for more time',
          paragraphs: [
            `${who} of ${contract} asks to move the due date of "${what}" from ${readableMoment(request.dueAt)} to ${readableMoment(untilMs(request.until))}.`,
            `Its reason: ${request.reason}`,
            'Grant it (the due date moves, and reminders and escalation follow the new one) or refuse it (the due date stands) on the case page. Either way the vendor is told, with your reason.',
          ],
          button: 'Decide on the request',
        },
      },
    });
    return 'extension-requested';
  },
});

export const decisionOutcomes = {
  'extension-granted': { text: () => 'Request granted: the due date is moved, and the vendor is told.' },
  'extension-refused': { text: () => 'Request refused: the due date stands, and the vendor is told why.' },
} satisfies Record<string, Outcome>;

/** One id per request and decision: a repeat answers the first result, the other decision is refused as decided. */
export const decisionUpdateId = (requestId: string, decision: string): string =>
  updateId('case', 0, `decideExtension-${requestId}-${decision}`);

export const decideExtensionHandler = handler({
  update: 'decideExtension',
  outcomes: decisionOutcomes,
  settledId: (req) => decisionUpdateId(req.requestId, req.decision),
  validate: ({ state, now }, decision) => {
    refuseWhenClosed(state);
    const request = requestsOf(state).find((r) => r.id === decision.requestId);
    if (!request) refuse(REFUSAL.invalidPayload, `requestId: the case has no request ${decision.requestId}`);
    if (request.status !== 'pending')
      refuse(
        REFUSAL.wrongState,
        `request ${request.id} was already ${request.status} on ${readableMoment(request.decidedAt)}`,
      );
    if (decision.decision === 'refuse') return;
    if (request.sub) {
      const sub = subprocessorOf(state, request.sub);
      if (!sub || sub.certification || sub.waiver)
        refuse(REFUSAL.wrongState, 'the certification the request was about is no longer open; refuse it instead');
      if (untilMs(request.until) <= Math.max(sub.dueAt, now()))
        refuse(
          REFUSAL.wrongState,
          `the requested date is not later than the due date now (${readableMoment(Math.max(sub.dueAt, now()))}); refuse it instead`,
        );
      return;
    }
    if (openTaskOf(state)?.kind !== request.task)
      refuse(REFUSAL.wrongState, `"${linkTaskTitle(request.task)}" is no longer open; refuse the request instead`);
    validateNewDueTime(state, now(), request.task, request.until);
  },
  apply: (run, req) => {
    const { state } = run;
    const t = run.now();
    const request = requestsOf(state).find((r) => r.id === req.requestId)!;
    Object.assign(request, {
      status: req.decision === 'grant' ? 'granted' : 'refused',
      decidedBy: req.actor,
      decidedAt: t,
      decisionReason: req.reason,
    });
    const { what, subName } = subject(state, request);
    if (req.decision === 'grant') {
      if (!request.sub) {
        // Exactly as an extension: the due time moves, reminders and escalation follow it, the vendor is mailed it.
        moveDueTime(
          run,
          request.until,
          req.actor,
          req.reason,
          (title, iso) => `Request ${request.id} granted: ${title} due ${iso}, as the vendor asked (${req.reason})`,
        );
        return 'extension-granted';
      }
      const sub = subprocessorOf(state, request.sub)!;
      sub.dueAt = untilMs(request.until);
      sub.overdue = false;
      addEvent(
        state,
        t,
        'deadline_extended',
        req.actor,
        `Request ${request.id} granted: ${subName}'s certification due ${new Date(sub.dueAt).toISOString()}, as it asked (${req.reason})`,
        { subprocessorId: sub.id },
      );
      told(run, request, `Your request is granted: "${what}" is now due ${readableMoment(sub.dueAt)}.`, req.reason);
      const { id, dueAt } = sub;
      return { outcome: 'extension-granted', after: () => run.moveSubprocessorDue(id, dueAt) };
    }
    addEvent(
      state,
      t,
      'extension_refused',
      req.actor,
      `Request ${request.id} refused: "${what}" stays due ${readableMoment(dueNow(state, request) ?? request.dueAt)} (${req.reason})`,
      { requestId: request.id },
    );
    told(
      run,
      request,
      `The district did not grant your request for more time: "${what}" stays due ${readableMoment(dueNow(state, request) ?? request.dueAt)}.`,
      req.reason,
    );
    return 'extension-refused';
  },
});

/** The decision, mailed to whoever asked, with the link of its task (a fresh one: the due time may have moved). */
function told(run: CaseRun, request: ExtensionRequest, decision: string, reason: string): void {
  const { state, chores } = run;
  const sub = request.sub ? subprocessorOf(state, request.sub) : undefined;
  const open = openTaskOf(state);
  const about = sub
    ? { subprocessor: { id: sub.id, gen: sub.gen, dueAt: sub.dueAt } }
    : open && open.kind === request.task
      ? { task: { kind: open.kind, gen: open.gen, dueAt: open.dueAt } }
      : undefined;
  if (!about) return; // the task closed meanwhile: nothing is due, so there is nothing to tell
  const id = `extension-decision-${request.id}`;
  chores.push({
    id,
    kind: 'mail',
    mail: {
      id,
      kind: 'written',
      ...about,
      written: {
        to: sub ? 'subprocessor' : 'vendor',
        subject: `Your request for more time: ${request.status === 'granted' ? 'granted' : 'not granted'}, contract ${state.input.contract.id}`,
        heading: request.status === 'granted' ? 'More time granted' : 'Request for more time not granted',
        paragraphs: [decision, `The district's reason: ${reason}`],
        button: sub ? 'Certify destruction' : 'Open the task',
      },
    },
  });
}
