// 7400.1 II.C: returned student data is kept no longer than the district's retention period (RETENTION),
// and not destroyed while a legal hold is on. One durable timer per completed case.
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import type { ActionResult } from '../domain/case-state';
import { legalHoldMessage } from '../domain/case-state';
import { parsePayload, refuse } from '../actions/handler-kit';
import { LEGAL_HOLD_IN_RECORD, REFUSAL, setLegalHold } from './messages';

const { recordLegalHold, destroyRetainedPackage } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** The case's own workflow tells its retention of a hold it recorded while it was finishing. */
export const legalHoldForwarded = wf.defineSignal<[{ on: boolean }]>('legalHoldForwarded');
export const retentionState = wf.defineQuery<{
  caseId: string;
  packageId: string;
  destroyAt: number;
  legalHold: boolean;
  destroyedAt?: number;
}>('retentionState');

export const retentionWorkflowId = (caseId: string): string => `retention-${caseId}`;

export interface PackageRetentionParams {
  caseId: string;
  packageId: string;
  destroyAt: number;
  legalHold: boolean;
}

export async function packageRetention(params: PackageRetentionParams): Promise<{ destroyedAt?: number }> {
  let hold = params.legalHold;
  let changes = 0;
  let destroyedAt: number | undefined;

  wf.setHandler(
    setLegalHold,
    async (req): Promise<ActionResult> => {
      hold = req.on;
      changes += 1;
      await recordLegalHold({ caseId: params.caseId, on: req.on, reason: req.reason, actor: req.actor });
      return { caseId: params.caseId, status: 'completed', message: legalHoldMessage(req.on) };
    },
    {
      validator: (req) => {
        const request = parsePayload('setLegalHold', req);
        if (destroyedAt)
          refuse(REFUSAL.wrongState, 'the returned data was already destroyed at the end of its retention period');
        if (request.on === hold) refuse(REFUSAL.wrongState, `the legal hold is already ${hold ? 'on' : 'off'}`);
      },
    },
  );
  wf.setHandler(legalHoldForwarded, ({ on }) => {
    hold = on;
    changes += 1;
  });
  wf.setHandler(retentionState, () => ({
    caseId: params.caseId,
    packageId: params.packageId,
    destroyAt: params.destroyAt,
    legalHold: hold,
    ...(destroyedAt ? { destroyedAt } : {}),
  }));

  if (wf.patched(LEGAL_HOLD_IN_RECORD)) {
    // The record decides: at the end of retention the activity destroys the package unless the record holds
    // the case. Held, this waits for a release (signalled by whoever wrote it) and looks again at least daily.
    for (;;) {
      while (Date.now() < params.destroyAt) {
        const seen = changes;
        await wf.condition(() => changes !== seen, Math.max(params.destroyAt - Date.now(), 1));
      }
      const before = changes; // a release told while the activity looked is not missed
      const outcome = await destroyRetainedPackage({ caseId: params.caseId, packageId: params.packageId });
      if (!outcome.held) break;
      hold = true;
      await wf.condition(() => changes !== before, '1 day');
    }
  } else {
    for (;;) {
      if (!hold && Date.now() >= params.destroyAt) break;
      const seen = changes;
      if (hold) await wf.condition(() => changes !== seen);
      else await wf.condition(() => changes !== seen, Math.max(params.destroyAt - Date.now(), 1));
    }
    await destroyRetainedPackage({ caseId: params.caseId, packageId: params.packageId });
  }
  destroyedAt = Date.now();
  await wf.condition(wf.allHandlersFinished);
  return { destroyedAt };
}
