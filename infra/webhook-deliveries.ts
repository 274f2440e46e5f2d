// Starting a webhook delivery's workflow (workflows/webhook-delivery.ts), from the worker when a case changes
// status and from the server when an administrator resends one.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';

export const webhookDeliveryWorkflowId = (deliveryId: string, run: number): string => `webhook-${deliveryId}-${run}`;

export async function startWebhookDelivery(client: Client, taskQueue: string, deliveryId: string, run: number): Promise<void> {
  try {
    await client.workflow.start('webhookDelivery', { workflowId: webhookDeliveryWorkflowId(deliveryId, run), taskQueue, args: [{ deliveryId }] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // a retried announcement: it runs already
  }
}
