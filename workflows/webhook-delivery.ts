// One webhook delivery: its activity, retried with backoff for about a day; then it is logged as failed. Each
// delivery is its own workflow, so a receiver that is slow or down never holds a case back.
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';

const GONE = 'webhook_gone';

const { deliverWebhook } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    maximumAttempts: 12,
    nonRetryableErrorTypes: [GONE],
  },
});
const { settleWebhookDelivery } = wf.proxyActivities<CaseActivities>({ startToCloseTimeout: '30 seconds' });

export async function webhookDelivery({ deliveryId }: { deliveryId: string }): Promise<void> {
  try {
    await deliverWebhook({ deliveryId });
  } catch (err) {
    if (!(err instanceof wf.ActivityFailure)) throw err;
    await settleWebhookDelivery({ deliveryId });
  }
}
