// The shapes the webhook routes return and `disposition webhook … --json` prints, made from the store's rows.
import { isoOrNull as iso } from '../domain/dates';
import type { Webhook, WebhookDelivery } from '../infra/database/webhook-store';

export const webhookView = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  createdAt: iso(w.createdAt)!,
  createdBy: w.createdBy,
  disabledAt: iso(w.disabledAt),
  disabledReason: w.disabledReason ?? null,
});
export const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  type: d.type,
  caseId: d.caseId,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus ?? null,
  lastError: d.lastError ?? null,
  createdAt: iso(d.createdAt)!,
  updatedAt: iso(d.updatedAt)!,
});
