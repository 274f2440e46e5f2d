// Signed webhooks (README, "Webhooks for other district systems"): the endpoints administrators register, each
// delivery with its attempts, and the status each case was last announced in, so a transition is announced once
// however often the record is written. One SQL implementation for both engines.
import crypto from 'node:crypto';
import type { CaseStatus } from '../../domain/statuses';
import type { Keyring } from '../keys/keys';
import type { SqlDatabase } from './sql-database';
import { gcmOpen, gcmSeal } from '../keys/field-seal';

export interface Webhook {
  id: string;
  url: string;
  /** Case statuses, or `*` for every transition. */
  events: string[];
  createdAt: number;
  createdBy: string;
  disabledAt?: number;
  disabledReason?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  caseId: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  /** How many times delivery was started (1, then +1 for each resend). */
  runs: number;
}

export interface CaseTransition {
  caseId: string;
  version: number;
  status: CaseStatus;
  previousStatus?: CaseStatus;
  contractId: string;
  occurredAt: number;
}

interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret_sealed: string;
  created_at: number;
  created_by: string;
  disabled_at: number | null;
  disabled_reason: string | null;
}
interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  type: string;
  case_id: string;
  body: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  runs: number;
}

const webhookOf = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  ...(r.disabled_at !== null ? { disabledAt: Number(r.disabled_at) } : {}),
  ...(r.disabled_reason ? { disabledReason: r.disabled_reason } : {}),
});
const deliveryOf = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  type: r.type,
  caseId: r.case_id,
  body: r.body,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  ...(r.last_status !== null ? { lastStatus: Number(r.last_status) } : {}),
  ...(r.last_error ? { lastError: r.last_error } : {}),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  runs: Number(r.runs),
});

/** A secret as the database keeps it: AES-256-GCM under the keyring's current file key, bound to the endpoint. */
function seal(keyring: Keyring, webhookId: string, secret: string): string {
  const { kid, key } = keyring.current('file');
  return `${kid}.${gcmSeal(key, `webhook|${webhookId}`, Buffer.from(secret, 'utf8')).toString('base64')}`;
}

function open(keyring: Keyring, webhookId: string, text: string): string {
  const [kid, data] = text.split('.') as [string, string];
  const key = keyring.get('file', kid);
  if (!key) throw new Error(`the key ${kid} that seals webhook ${webhookId}'s secret is not in the keyring`);
  return gcmOpen(key, `webhook|${webhookId}`, Buffer.from(data, 'base64')).toString('utf8');
}

const newSecret = (): string => `whsec_${crypto.randomBytes(32).toString('base64url')}`;

export class SqlWebhookStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly keyring: Keyring,
  ) {}

  /** A new endpoint; its secret is answered this once. */
  async add(
    input: { url: string; events: string[]; createdBy: string },
    now = Date.now(),
  ): Promise<{ webhook: Webhook; secret: string }> {
    const id = `wh_${crypto.randomBytes(9).toString('base64url')}`;
    const secret = newSecret();
    await this.db.run(
      'INSERT INTO webhooks (id, url, events, secret_sealed, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      [id, input.url, JSON.stringify(input.events), seal(this.keyring, id, secret), now, input.createdBy],
    );
    return {
      webhook: { id, url: input.url, events: input.events, createdAt: now, createdBy: input.createdBy },
      secret,
    };
  }

  async list(): Promise<Webhook[]> {
    return (await this.db.all<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id')).map(webhookOf);
  }

  async get(id: string): Promise<Webhook | undefined> {
    const row = await this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE id = ?', [id]);
    return row ? webhookOf(row) : undefined;
  }

  async secretOf(id: string): Promise<string | undefined> {
    const row = await this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE id = ?', [id]);
    return row ? open(this.keyring, id, row.secret_sealed) : undefined;
  }

  /** A new secret for the endpoint; the old one stops signing at once. */
  async rotateSecret(id: string): Promise<string | undefined> {
    const secret = newSecret();
    const { changes } = await this.db.run('UPDATE webhooks SET secret_sealed = ? WHERE id = ?', [
      seal(this.keyring, id, secret),
      id,
    ]);
    return changes > 0 ? secret : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM webhooks WHERE id = ?', [id])).changes > 0;
  }

  async disable(id: string, reason: string, now = Date.now()): Promise<void> {
    await this.db.run('UPDATE webhooks SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL', [
      now,
      reason,
      id,
    ]);
  }

  /**
   * Announces a case's transition once: when its status differs from the one last announced (and the state is
   * newer), one delivery per endpoint that asked for it, with ids made from the event and the endpoint, so a
   * repeated write announces nothing twice. Answers the deliveries still waiting to be started for the case.
   */
  async announce(transition: CaseTransition, now = Date.now()): Promise<WebhookDelivery[]> {
    return this.db.transaction(async (tx) => {
      await tx.lock(`webhooks ${transition.caseId}`);
      const last = await tx.get<{ status: string; version: number }>(
        'SELECT status, version FROM webhook_case_status WHERE case_id = ?',
        [transition.caseId],
      );
      if (!last || (Number(last.version) < transition.version && last.status !== transition.status)) {
        await tx.run(
          `INSERT INTO webhook_case_status (case_id, status, version) VALUES (?, ?, ?)
          ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, version = excluded.version`,
          [transition.caseId, transition.status, transition.version],
        );
        const eventId = `evt_${crypto.createHash('sha256').update(`${transition.caseId}|${transition.version}|${transition.status}`).digest('base64url').slice(0, 22)}`;
        const body = JSON.stringify({
          id: eventId,
          type: 'case.status_changed',
          caseId: transition.caseId,
          status: transition.status,
          previousStatus: last?.status ?? transition.previousStatus ?? null,
          contractId: transition.contractId,
          occurredAt: new Date(transition.occurredAt).toISOString(),
        });
        for (const hook of (await tx.all<WebhookRow>('SELECT * FROM webhooks WHERE disabled_at IS NULL')).map(
          webhookOf,
        )) {
          if (!hook.events.includes('*') && !hook.events.includes(transition.status)) continue;
          await tx.run(
            `INSERT INTO webhook_deliveries (id, webhook_id, event_id, type, case_id, body, status, attempts, created_at, updated_at, runs)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 0) ON CONFLICT (id) DO NOTHING`,
            [
              `dlv_${crypto.createHash('sha256').update(`${eventId}|${hook.id}`).digest('base64url').slice(0, 22)}`,
              hook.id,
              eventId,
              'case.status_changed',
              transition.caseId,
              body,
              now,
              now,
            ],
          );
        }
      }
      return (
        await tx.all<DeliveryRow>(
          "SELECT * FROM webhook_deliveries WHERE case_id = ? AND status = 'pending' AND runs = 0",
          [transition.caseId],
        )
      ).map(deliveryOf);
    });
  }

  /** Marks a delivery started (its workflow exists); `again` for a resend, which sets it pending once more. */
  async started(id: string, again = false, now = Date.now()): Promise<number> {
    await this.db.run(
      `UPDATE webhook_deliveries SET runs = runs + 1, updated_at = ?${again ? ", status = 'pending'" : ''} WHERE id = ?`,
      [now, id],
    );
    return Number(
      (await this.db.get<{ runs: number }>('SELECT runs FROM webhook_deliveries WHERE id = ?', [id]))?.runs ?? 0,
    );
  }

  async delivery(id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db.get<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?', [id]);
    return row ? deliveryOf(row) : undefined;
  }

  async deliveries(webhookId: string, limit = 100): Promise<WebhookDelivery[]> {
    return (
      await this.db.all<DeliveryRow>(
        'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
        [webhookId, limit],
      )
    ).map(deliveryOf);
  }

  /** One attempt's outcome. */
  async attempted(
    id: string,
    outcome: { status: DeliveryStatus; httpStatus?: number; error?: string },
    now = Date.now(),
  ): Promise<void> {
    await this.db.run(
      'UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?',
      [outcome.status, outcome.httpStatus ?? null, outcome.error?.slice(0, 500) ?? null, now, id],
    );
  }

  /** Retries ran out (or the endpoint is gone): the delivery stays in the log as failed. */
  async settle(id: string, status: DeliveryStatus, now = Date.now()): Promise<void> {
    await this.db.run('UPDATE webhook_deliveries SET status = ?, updated_at = ? WHERE id = ?', [status, now, id]);
  }
}
