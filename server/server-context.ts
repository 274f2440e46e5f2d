import type { SqlBulkStore } from '../infra/database/bulk-store';
import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { AccessLog } from '../infra/database/access-log';
import type { CaseRecordStore } from '../infra/database/case-record-store';
import type { SharedCounters } from '../infra/database/shared-counters';
import type { SqlWebhookStore } from '../infra/database/webhook-store';
import type { SqlSignatoryCodes } from '../infra/database/signatory-codes';
import type { MailTransport } from '../infra/mail/mail-transport';
import type { UserStore } from '../infra/database/user-store';
import type { Keyring } from '../infra/keys/keys';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import type { CaseService } from '../client/case-service';
import type { Auth } from './auth';
import type { DocumentedRoute } from './openapi';
import type { ServerMetrics } from '../infra/metrics/metrics';
import type { Tracer } from '@opentelemetry/api';
import type { OidcSignIn } from './oidc-sign-in';

export interface ServerDeps {
  config: Config;
  client: Client;
  service: CaseService;
  records: CaseRecordStore;
  users: UserStore;
  storage: CaseFileStorage;
  keyring: Keyring;
  accessLog: AccessLog;
  /** Rate windows and once-per-burst alerts, shared by every server. */
  counters: SharedCounters;
  /** Webhook endpoints and their delivery logs. */
  webhooks: SqlWebhookStore;
  /** Bulk files, their rows, and which case holds each contract. */
  bulk: SqlBulkStore;
  /** Where the structured log goes (stdout unless given: tests read it). */
  logStream?: NodeJS.WritableStream;
  /** For alerts to the administrators (intrusion bursts) and signatories' codes; none, no alerts and no certification. */
  mail?: MailTransport;
  /** One-time codes sent to certification signatories. */
  signatories: SqlSignatoryCodes;
  /** What the Prometheus listener serves (METRICS_PORT); none when metrics are off. */
  metrics?: ServerMetrics;
  /** Spans of requests (OTEL_EXPORTER_OTLP_ENDPOINT); none when tracing is off. */
  tracer?: Tracer;
}

export interface ServerContext extends ServerDeps {
  auth: Auth;
  /** Single sign-on with the district's identity provider, when OIDC_ISSUER is set. */
  oidc?: OidcSignIn;
  /** The API routes as registered, each with its entry in the document (`config: { doc }`). */
  routes: DocumentedRoute[];
}
