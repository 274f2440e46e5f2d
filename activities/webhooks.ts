// Webhook deliveries: announcing a case's transitions (from the record-case activity) and delivering each one,
// signed, by an activity that Temporal retries with backoff (workflows/webhook-delivery.ts). A slow or dead
// receiver holds its own delivery's workflow, never the case.
import type { WorkerMetrics } from '../infra/metrics/metrics';
import { ApplicationFailure } from '@temporalio/activity';
import type { CaseState } from '../domain/case-state';
import type { SqlWebhookStore } from '../infra/database/webhook-store';
import type { MailTransport } from '../infra/mail/mail-transport';
import { SIGNATURE_HEADER, signWebhook } from '../infra/webhooks/webhook-signature';
import { postWebhook, WebhookTargetRefused } from '../infra/webhooks/webhook-target';

export interface WebhookDeps {
  store: SqlWebhookStore;
  /** Starts the delivery's workflow (`run` 1 at first, then once more for each resend); a start already made is fine. */
  startDelivery(deliveryId: string, run: number): Promise<void>;
}

/** How long one attempt may take before it counts as failed and is retried. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const GONE = 'webhook_gone';

/** After the record is written: a new status is announced to the endpoints that asked for it, and each delivery started. */
export async function announceTransition(
  webhooks: WebhookDeps,
  state: Pick<CaseState, 'caseId' | 'version' | 'status' | 'input' | 'updatedAt'>,
): Promise<void> {
  const pending = await webhooks.store.announce({
    caseId: state.caseId,
    version: state.version,
    status: state.status,
    contractId: state.input.contract.id,
    occurredAt: state.updatedAt,
  });
  // Started side by side, a few at a time: the case's record write waits for the starts, not for any delivery.
  const queue = [...pending];
  const starter = async (): Promise<void> => {
    for (let delivery = queue.shift(); delivery; delivery = queue.shift()) {
      await webhooks.startDelivery(delivery.id, 1);
      await webhooks.store.started(delivery.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, queue.length) }, starter));
}

export interface DeliveryDeps {
  webhooks?: WebhookDeps;
  transport: MailTransport;
  config: { mailFrom: string; publicUrl: string; adminEmail?: string; webhookAllowPrivate?: boolean };
  administrators(): Promise<string[]>;
  /** How long one attempt may take (DELIVERY_TIMEOUT_MS unless a test holds receivers longer). */
  deliveryTimeoutMs?: number;
  /** Counts attempts by outcome, for the worker's Prometheus listener. */
  metrics?: Pick<WorkerMetrics, 'webhookDeliveries'>;
}

export function makeWebhookActivities(deps: DeliveryDeps) {
  const timeoutMs = deps.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS;
  const store = (): SqlWebhookStore => {
    if (!deps.webhooks) throw new Error('this worker has no webhook store');
    return deps.webhooks.store;
  };
  return {
    /** One attempt: 2xx delivers; 410 disables the endpoint and tells the administrators; anything else is retried. */
    deliverWebhook: async ({ deliveryId }: { deliveryId: string }): Promise<void> => {
      const delivery = await store().delivery(deliveryId);
      if (!delivery || delivery.status !== 'pending') return; // delivered already, or gone
      const hook = await store().get(delivery.webhookId);
      if (!hook || hook.disabledAt) {
        await store().settle(deliveryId, 'skipped');
        return;
      }
      const secret = (await store().secretOf(hook.id))!;
      let status: number;
      try {
        status = await postWebhook(hook.url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Disposition-Webhooks/1',
            [SIGNATURE_HEADER]: signWebhook(secret, delivery.body),
            'Disposition-Delivery': delivery.id,
          },
          body: delivery.body,
          timeoutMs,
          allowPrivate: deps.config.webhookAllowPrivate === true,
        });
      } catch (err) {
        // Generic on purpose (infra/webhooks/webhook-target.ts): no port, TLS or DNS detail for a scanner to read.
        const reason =
          err instanceof WebhookTargetRefused ? `refused: the endpoint's URL ${err.message}` : (err as Error).message;
        await store().attempted(deliveryId, { status: 'pending', error: reason });
        deps.metrics?.webhookDeliveries.inc({ outcome: 'failed' });
        throw new Error(`webhook ${hook.id}: ${reason}`);
      }
      if (status >= 200 && status < 300) {
        await store().attempted(deliveryId, { status: 'delivered', httpStatus: status });
        deps.metrics?.webhookDeliveries.inc({ outcome: 'delivered' });
        return;
      }
      if (status === 410) {
        await store().attempted(deliveryId, {
          status: 'failed',
          httpStatus: 410,
          error: 'the receiver answered 410 Gone: the endpoint is disabled',
        });
        await store().disable(hook.id, 'the receiver answered 410 Gone');
        deps.metrics?.webhookDeliveries.inc({ outcome: 'gone' });
        await tellAdministrators(deps, hook.id, hook.url);
        throw ApplicationFailure.create({
          type: GONE,
          nonRetryable: true,
          message: `webhook ${hook.id} answered 410 Gone and is disabled`,
        });
      }
      await store().attempted(deliveryId, {
        status: 'pending',
        httpStatus: status,
        error: `answered ${status}`,
      });
      deps.metrics?.webhookDeliveries.inc({ outcome: 'failed' });
      throw new Error(`webhook ${hook.id} answered ${status}`);
    },

    /** Retries ran out: the delivery stays in the log as failed (a resend starts it again). */
    settleWebhookDelivery: async ({ deliveryId }: { deliveryId: string }): Promise<void> => {
      const delivery = await store().delivery(deliveryId);
      if (delivery?.status === 'pending') await store().settle(deliveryId, 'failed');
    },
  };
}

async function tellAdministrators(deps: DeliveryDeps, id: string, url: string): Promise<void> {
  const to = [...new Set([deps.config.adminEmail, ...(await deps.administrators())].filter((a): a is string => !!a))];
  if (to.length === 0) return;
  await deps.transport.send({
    messageId: `<webhook-gone.${id}@disposition>`,
    from: deps.config.mailFrom,
    to,
    subject: `Webhook disabled: ${url}`,
    text: `The receiver at ${url} answered 410 Gone, which says the endpoint no longer exists, so Disposition has disabled webhook ${id} and sends it nothing more.\n\nIf the endpoint moved, register its new address on ${deps.config.publicUrl}/settings/webhooks (or with POST /api/webhooks); its deliveries can be resent from there.`,
    headers: { 'X-Disposition-Mail': 'webhook-gone' },
  });
}
