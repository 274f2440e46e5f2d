// Starting a webhook delivery's workflow (workflows/webhook-delivery.ts), from the worker when a case changes
// status and from the server when an administrator resends one.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DispositionError } from '../../domain/errors';
import type { SqlWebhookStore } from '../database/webhook-store';

export const webhookDeliveryWorkflowId = (deliveryId: string, run: number): string => `webhook-${deliveryId}-${run}`;

/**
 * Deliveries run on a task queue of their own, polled by a worker of their own with few slots: however many
 * endpoints are slow or unreachable, the cases' workflows and activities never wait behind them.
 */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;

export async function startWebhookDelivery(
  client: Client,
  taskQueue: string,
  deliveryId: string,
  run: number,
): Promise<void> {
  try {
    await client.workflow.start('webhookDelivery', {
      workflowId: webhookDeliveryWorkflowId(deliveryId, run),
      taskQueue: webhookTaskQueue(taskQueue),
      args: [{ deliveryId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // a retried announcement: it runs already
  }
}

/** Delivers again, as a new run of the delivery's workflow; refused for a disabled endpoint. */
export async function resendDelivery(
  deps: { webhooks: SqlWebhookStore; client: Client; taskQueue: string },
  webhookId: string,
  deliveryId: string,
): Promise<void> {
  const hook = await deps.webhooks.get(webhookId);
  const delivery = await deps.webhooks.delivery(deliveryId);
  if (!hook || delivery?.webhookId !== webhookId)
    throw new DispositionError('not_found', `no delivery ${deliveryId} for webhook ${webhookId}`);
  if (hook.disabledAt)
    throw new DispositionError(
      'wrong_state',
      `webhook ${webhookId} is disabled (${hook.disabledReason ?? 'by an administrator'}); register the endpoint again`,
    );
  await startWebhookDelivery(deps.client, deps.taskQueue, deliveryId, await deps.webhooks.started(deliveryId, true));
}
