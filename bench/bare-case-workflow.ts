// The baseline of `npm run bench:cases`: a workflow with as many activities and updates as a termination case,
// each doing nothing. `phases[i]` runs before update i is answered, one activity a letter in the case's order
// (`r` an activity through the Temporal server, `l` a local one); the last phase ends the workflow.
import * as wf from '@temporalio/workflow';
import type { BareActivities } from './bare-worker';

export const bareStep = wf.defineUpdate<number, [number]>('bareStep');

const { nothing } = wf.proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });
const { nothing: nothingHere } = wf.proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

export async function bareCase(phases: string[]): Promise<number> {
  let phasesDone = 0;
  let stepsTaken = 0;
  let activities = 0;
  wf.setHandler(bareStep, async (step) => {
    // Answered once the phase before it has run, as a vendor acts once the notice has arrived.
    await wf.condition(() => phasesDone > step);
    stepsTaken = Math.max(stepsTaken, step + 1);
    return phasesDone;
  });
  for (const [i, phase] of phases.entries()) {
    for (const kind of phase) {
      await (kind === 'l' ? nothingHere() : nothing());
      activities += 1;
    }
    phasesDone += 1;
    if (i < phases.length - 1) await wf.condition(() => stepsTaken > i);
  }
  await wf.condition(wf.allHandlersFinished);
  return activities;
}
