// The database's schema, one version at a time, for both engines. A migration is never edited once released:
// a change is a new entry at the end. Version 1 adopts a database made before versions existed (IF NOT EXISTS).
import type { Dialect } from './sql-database';

export interface Migration {
  version: number;
  name: string;
  sql: Record<Dialect, string>;
}

const APPEND_ONLY_SQLITE = (table: string, what: string) => `
CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;`;

/** Sorts cases without a due time after every case with one (a number past any date). */
export const NO_DUE_TIME = 9_007_199_254_740_991;

// Written out, not derived from domain/statuses.ts: a released migration never changes with later code.
const RANKED_STATUS_SQL = `
ALTER TABLE cases ADD COLUMN status_rank INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET status_rank = CASE status
  WHEN 'awaiting_acknowledgement' THEN 0 WHEN 'awaiting_return' THEN 1 WHEN 'packaging' THEN 2 WHEN 'awaiting_review' THEN 3
  WHEN 'awaiting_certification' THEN 4 WHEN 'awaiting_backup_rolloff' THEN 5 WHEN 'generating_statement' THEN 6
  WHEN 'completed' THEN 7 WHEN 'cancelled' THEN 8 ELSE 9 END;`;

// awaiting_subprocessors comes after awaiting_backup_rolloff (rank 5): the statuses after it move down one.
const SUBPROCESSOR_RANKS_SQL = `
UPDATE cases SET status_rank = CASE status WHEN 'generating_statement' THEN 7 WHEN 'completed' THEN 8 WHEN 'cancelled' THEN 9 ELSE status_rank END
  WHERE status IN ('generating_statement', 'completed', 'cancelled');`;

// awaiting_signoff comes after awaiting_subprocessors (rank 6): the statuses after it move down one again.
const SIGNATORY_CODES_SQL = `CREATE TABLE signatory_codes (
  task_key TEXT NOT NULL, email TEXT NOT NULL, code_hash TEXT NOT NULL, sent_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL, verified_at BIGINT, verified_ip TEXT, verified_user_agent TEXT,
  PRIMARY KEY (task_key, email));`;

const SIGNOFF_RANKS_SQL = `
UPDATE cases SET status_rank = CASE status WHEN 'generating_statement' THEN 8 WHEN 'completed' THEN 9 WHEN 'cancelled' THEN 10 ELSE status_rank END
  WHERE status IN ('generating_statement', 'completed', 'cancelled');`;

// A closed case's time: its statement's issue, else its last change (a cancellation).
const CLOSED_AT_SQL = `
ALTER TABLE cases ADD COLUMN closed_at BIGINT;
UPDATE cases SET closed_at = COALESCE((SELECT issued_at FROM statements s WHERE s.case_id = cases.case_id), updated_at)
  WHERE status IN ('completed', 'cancelled');`;

// Where a quiet vendor's case stands (domain/enforcement.ts); cases written before are "escalated" when overdue,
// and take their stage at their next write.
const ENFORCEMENT_SQL = `
ALTER TABLE cases ADD COLUMN enforcement TEXT NOT NULL DEFAULT 'none';
UPDATE cases SET enforcement = 'escalated' WHERE overdue = 1 AND status NOT IN ('completed', 'cancelled');`;

const WEBHOOK_TABLES = `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret_sealed TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,
  disabled_at BIGINT, disabled_reason TEXT);
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, case_id TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL, last_status INTEGER, last_error TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, runs INTEGER NOT NULL);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_case ON webhook_deliveries (case_id, status);
CREATE TABLE webhook_case_status (case_id TEXT PRIMARY KEY, status TEXT NOT NULL, version INTEGER NOT NULL);`;

const BULK_TABLES = `
CREATE TABLE bulk_runs (
  bulk_id TEXT PRIMARY KEY, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, file_name TEXT NOT NULL, total INTEGER NOT NULL, finished_at BIGINT);
CREATE TABLE bulk_rows (
  bulk_id TEXT NOT NULL, line INTEGER NOT NULL, contract_id TEXT NOT NULL, input_json TEXT, outcome TEXT NOT NULL, case_id TEXT, problems_json TEXT,
  settled_at BIGINT, PRIMARY KEY (bulk_id, line));
CREATE INDEX bulk_rows_outcome ON bulk_rows (bulk_id, outcome, line);
CREATE TABLE contract_cases (contract_key TEXT PRIMARY KEY, case_id TEXT NOT NULL, claimed_at BIGINT NOT NULL);
CREATE INDEX cases_contract ON cases ((lower(trim(contract_id))));`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'case record, accounts, access and intrusion logs, shared counters',
    sql: {
      sqlite: `
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT PRIMARY KEY, status TEXT NOT NULL, vendor_name TEXT NOT NULL, contract_id TEXT NOT NULL,
  open_task TEXT, open_task_gen INTEGER, due_at INTEGER, overdue INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL, state_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_status ON cases(status);
CREATE INDEX IF NOT EXISTS cases_vendor ON cases(vendor_name);
CREATE TABLE IF NOT EXISTS case_events (
  case_id TEXT NOT NULL REFERENCES cases(case_id), seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL,
  actor TEXT NOT NULL, summary TEXT NOT NULL, detail_json TEXT, PRIMARY KEY (case_id, seq)
);
CREATE TABLE IF NOT EXISTS return_packages (
  case_id TEXT NOT NULL REFERENCES cases(case_id), round INTEGER NOT NULL, package_id TEXT, zip_sha256 TEXT, zip_bytes INTEGER,
  files INTEGER NOT NULL, bytes INTEGER NOT NULL, decision TEXT, summary_json TEXT NOT NULL, PRIMARY KEY (case_id, round)
);
CREATE TABLE IF NOT EXISTS statements (
  statement_id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id), issued_at INTEGER NOT NULL,
  vendor_name TEXT NOT NULL, contract_id TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, signature TEXT NOT NULL,
  key_id TEXT NOT NULL, bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_mail (message_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, sent_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL, email TEXT, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username), csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_attempts (login_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER, last_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_log (
  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, case_id TEXT,
  outcome TEXT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_case ON access_log(case_id, seq);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log(at);
${APPEND_ONLY_SQLITE('access_log', 'the access log')}
CREATE TABLE IF NOT EXISTS intrusion_events (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS intrusion_events_at ON intrusion_events(at);
CREATE INDEX IF NOT EXISTS intrusion_events_ip ON intrusion_events(ip, at);
CREATE TABLE IF NOT EXISTS rate_windows (window_key TEXT PRIMARY KEY, started_at INTEGER NOT NULL, hits INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS once_claims (claim_key TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL);
`,
      postgres: `
CREATE TABLE cases (
  case_id TEXT PRIMARY KEY, status TEXT NOT NULL, vendor_name TEXT NOT NULL, contract_id TEXT NOT NULL,
  open_task TEXT, open_task_gen INTEGER, due_at BIGINT, overdue INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL, state_json TEXT NOT NULL
);
CREATE INDEX cases_status ON cases(status);
CREATE INDEX cases_vendor ON cases(vendor_name);
CREATE TABLE case_events (
  case_id TEXT NOT NULL REFERENCES cases(case_id), seq INTEGER NOT NULL, at BIGINT NOT NULL, type TEXT NOT NULL,
  actor TEXT NOT NULL, summary TEXT NOT NULL, detail_json TEXT, PRIMARY KEY (case_id, seq)
);
CREATE TABLE return_packages (
  case_id TEXT NOT NULL REFERENCES cases(case_id), round INTEGER NOT NULL, package_id TEXT, zip_sha256 TEXT, zip_bytes BIGINT,
  files INTEGER NOT NULL, bytes BIGINT NOT NULL, decision TEXT, summary_json TEXT NOT NULL, PRIMARY KEY (case_id, round)
);
CREATE TABLE statements (
  statement_id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(case_id), issued_at BIGINT NOT NULL,
  vendor_name TEXT NOT NULL, contract_id TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, signature TEXT NOT NULL,
  key_id TEXT NOT NULL, bytes BIGINT NOT NULL
);
CREATE TABLE sent_mail (message_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, sent_at BIGINT NOT NULL);
CREATE TABLE users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL, email TEXT, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_folded ON users (lower(username));
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username), csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
);
CREATE TABLE login_attempts (login_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until BIGINT, last_at BIGINT NOT NULL);
CREATE TABLE access_log (
  seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, case_id TEXT,
  outcome TEXT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX access_log_case ON access_log(case_id, seq);
CREATE INDEX access_log_at ON access_log(at);
CREATE FUNCTION disposition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION disposition_append_only();
CREATE TABLE intrusion_events (
  id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, kind TEXT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX intrusion_events_at ON intrusion_events(at);
CREATE INDEX intrusion_events_ip ON intrusion_events(ip, at);
CREATE TABLE rate_windows (window_key TEXT PRIMARY KEY, started_at BIGINT NOT NULL, hits INTEGER NOT NULL);
CREATE TABLE once_claims (claim_key TEXT PRIMARY KEY, claimed_at BIGINT NOT NULL);
`,
    },
  },
  {
    version: 2,
    name: 'the keyring shared by every node (with DATABASE_URL), each secret wrapped by KEYRING_KEY',
    sql: {
      sqlite:
        'CREATE TABLE IF NOT EXISTS keyring_keys (kid TEXT PRIMARY KEY, purpose TEXT NOT NULL, seq INTEGER NOT NULL UNIQUE, created_at TEXT NOT NULL, wrapped TEXT NOT NULL, public_key TEXT);',
      postgres:
        'CREATE TABLE keyring_keys (kid TEXT PRIMARY KEY, purpose TEXT NOT NULL, seq INTEGER NOT NULL UNIQUE, created_at TEXT NOT NULL, wrapped TEXT NOT NULL, public_key TEXT);',
    },
  },
  {
    version: 3,
    name: 'keyset paging of the case list: by creation, by due time, by status in lifecycle order',
    sql: {
      sqlite:
        RANKED_STATUS_SQL +
        `
CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, case_id);
CREATE INDEX IF NOT EXISTS cases_due ON cases (COALESCE(due_at, ${NO_DUE_TIME}), case_id);
CREATE INDEX IF NOT EXISTS cases_status_rank ON cases (status_rank, created_at DESC, case_id DESC);`,
      postgres:
        RANKED_STATUS_SQL +
        `
CREATE INDEX cases_created ON cases (created_at, case_id);
CREATE INDEX cases_due ON cases (COALESCE(due_at, ${NO_DUE_TIME}), case_id);
CREATE INDEX cases_status_rank ON cases (status_rank, created_at DESC, case_id DESC);`,
    },
  },
  {
    version: 4,
    name: "when a case closed (the dashboard's months), and the case list by vendor",
    sql: {
      sqlite:
        CLOSED_AT_SQL +
        `
CREATE INDEX IF NOT EXISTS cases_closed ON cases (closed_at);
CREATE INDEX IF NOT EXISTS cases_vendor_order ON cases (lower(vendor_name), case_id);`,
      postgres:
        CLOSED_AT_SQL +
        `
CREATE INDEX cases_closed ON cases (closed_at);
CREATE INDEX cases_vendor_order ON cases (lower(vendor_name), case_id);`,
    },
  },
  {
    version: 5,
    name: 'the correspondence file: every message sent for a case, as sent, with its delivery outcome',
    sql: {
      sqlite: `CREATE TABLE IF NOT EXISTS case_messages (
  message_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, audience TEXT NOT NULL, recipients TEXT NOT NULL, subject TEXT NOT NULL,
  attempted_at BIGINT NOT NULL, attempts INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, eml BLOB);
CREATE INDEX IF NOT EXISTS case_messages_case ON case_messages (case_id, attempted_at);`,
      postgres: `CREATE TABLE case_messages (
  message_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, audience TEXT NOT NULL, recipients TEXT NOT NULL, subject TEXT NOT NULL,
  attempted_at BIGINT NOT NULL, attempts INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, eml BYTEA);
CREATE INDEX case_messages_case ON case_messages (case_id, attempted_at);`,
    },
  },
  {
    version: 6,
    name: 'signed webhooks: endpoints (secrets sealed by the keyring), deliveries, and the status each case was last announced in',
    sql: {
      sqlite: WEBHOOK_TABLES.replace(/CREATE (TABLE|INDEX) /g, 'CREATE $1 IF NOT EXISTS '),
      postgres: WEBHOOK_TABLES,
    },
  },
  {
    version: 7,
    name: "bulk starts: each file's rows and outcomes, and the case each contract was last started as",
    sql: {
      sqlite: BULK_TABLES.replace(/CREATE (TABLE|INDEX) /g, 'CREATE $1 IF NOT EXISTS '),
      postgres: BULK_TABLES,
    },
  },
  {
    version: 8,
    name: "enforcement: where a quiet vendor's case stands (reminded, escalated, not cooperating, referred to legal)",
    sql: {
      sqlite: `${ENFORCEMENT_SQL}\nCREATE INDEX IF NOT EXISTS cases_enforcement ON cases (enforcement, created_at);`,
      postgres: `${ENFORCEMENT_SQL}\nCREATE INDEX cases_enforcement ON cases (enforcement, created_at);`,
    },
  },
  {
    version: 9,
    name: "a status between the backups and the statement: waiting for the vendor's subprocessors' certifications",
    sql: { sqlite: SUBPROCESSOR_RANKS_SQL, postgres: SUBPROCESSOR_RANKS_SQL },
  },
  {
    version: 10,
    name: "a status before the statement: waiting for legal's countersignature",
    sql: { sqlite: SIGNOFF_RANKS_SQL, postgres: SIGNOFF_RANKS_SQL },
  },
  {
    version: 11,
    name: 'statements signed inside the PDF: the fingerprint of the certificate that signed each',
    sql: {
      sqlite: 'ALTER TABLE statements ADD COLUMN certificate_fingerprint TEXT;',
      postgres: 'ALTER TABLE statements ADD COLUMN certificate_fingerprint TEXT;',
    },
  },
  {
    version: 12,
    name: "signatory checks: a keyed hash of each one-time code emailed to a certification's signatory, its tries, and when it was verified",
    sql: {
      sqlite: SIGNATORY_CODES_SQL.replace('CREATE TABLE ', 'CREATE TABLE IF NOT EXISTS '),
      postgres: SIGNATORY_CODES_SQL,
    },
  },
  {
    version: 13,
    name: 'the intrusion log chained like the access log (each event carries the hash of the one before) and append-only',
    sql: {
      sqlite: `ALTER TABLE intrusion_events ADD COLUMN prev_hash TEXT;
ALTER TABLE intrusion_events ADD COLUMN hash TEXT;
${APPEND_ONLY_SQLITE('intrusion_events', 'the intrusion log')}`,
      postgres: `ALTER TABLE intrusion_events ADD COLUMN prev_hash TEXT;
ALTER TABLE intrusion_events ADD COLUMN hash TEXT;
CREATE TRIGGER intrusion_events_append_only BEFORE UPDATE OR DELETE ON intrusion_events FOR EACH ROW EXECUTE FUNCTION disposition_append_only();`,
    },
  },
  {
    version: 14,
    name: 'the legal hold owned by the record: each hold set or released, and each destruction decided, in tables of their own',
    sql: {
      sqlite: `CREATE TABLE IF NOT EXISTS legal_holds (case_id TEXT NOT NULL, seq INTEGER NOT NULL, on_hold INTEGER NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (case_id, seq));
CREATE TABLE IF NOT EXISTS destructions (case_id TEXT NOT NULL, what TEXT NOT NULL, decided_at BIGINT NOT NULL, PRIMARY KEY (case_id, what));`,
      postgres: `CREATE TABLE legal_holds (case_id TEXT NOT NULL, seq INTEGER NOT NULL, on_hold INTEGER NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (case_id, seq));
CREATE TABLE destructions (case_id TEXT NOT NULL, what TEXT NOT NULL, decided_at BIGINT NOT NULL, PRIMARY KEY (case_id, what));`,
    },
  },
  {
    version: 15,
    name: 'facts about the stored data itself, such as that every row written in the clear before sealing was sealed',
    sql: {
      sqlite: 'CREATE TABLE IF NOT EXISTS store_facts (fact TEXT PRIMARY KEY, at BIGINT NOT NULL);',
      postgres: 'CREATE TABLE store_facts (fact TEXT PRIMARY KEY, at BIGINT NOT NULL);',
    },
  },
  {
    version: 16,
    name: "the statuses by name with their lifecycle order, so a new status needs no migration: each start brings the table and the cases' ranks in line with the code (infra/database/status-ranks.ts)",
    sql: {
      sqlite: 'CREATE TABLE IF NOT EXISTS case_statuses (name TEXT PRIMARY KEY, rank INTEGER NOT NULL);',
      postgres: 'CREATE TABLE case_statuses (name TEXT PRIMARY KEY, rank INTEGER NOT NULL);',
    },
  },
  {
    version: 17,
    name: "both audit chains keyed: each entry names the chain key its hash was made with, and where each log's keyed chain starts is recorded once, under that key",
    sql: {
      sqlite: `ALTER TABLE access_log ADD COLUMN chain_kid TEXT;
ALTER TABLE intrusion_events ADD COLUMN chain_kid TEXT;
CREATE TABLE IF NOT EXISTS audit_chain_starts (log TEXT PRIMARY KEY, keyed_after BIGINT NOT NULL, kid TEXT NOT NULL, mac TEXT NOT NULL);
${APPEND_ONLY_SQLITE('audit_chain_starts', 'where the keyed audit chains start')}`,
      postgres: `ALTER TABLE access_log ADD COLUMN chain_kid TEXT;
ALTER TABLE intrusion_events ADD COLUMN chain_kid TEXT;
CREATE TABLE audit_chain_starts (log TEXT PRIMARY KEY, keyed_after BIGINT NOT NULL, kid TEXT NOT NULL, mac TEXT NOT NULL);
CREATE TRIGGER audit_chain_starts_append_only BEFORE UPDATE OR DELETE ON audit_chain_starts FOR EACH ROW EXECUTE FUNCTION disposition_append_only();`,
    },
  },
  {
    version: 18,
    name: "the roster a district attaches to a case (its students, sealed), and what the return's packaging matched of it",
    sql: {
      sqlite: `CREATE TABLE IF NOT EXISTS case_rosters (case_id TEXT PRIMARY KEY, format TEXT NOT NULL, students INTEGER NOT NULL, skipped INTEGER NOT NULL,
  attached_at BIGINT NOT NULL, attached_by TEXT NOT NULL, body BLOB NOT NULL, matched_round INTEGER, matched_at BIGINT, returned INTEGER, missing BLOB);`,
      postgres: `CREATE TABLE case_rosters (case_id TEXT PRIMARY KEY, format TEXT NOT NULL, students INTEGER NOT NULL, skipped INTEGER NOT NULL,
  attached_at BIGINT NOT NULL, attached_by TEXT NOT NULL, body BYTEA NOT NULL, matched_round INTEGER, matched_at BIGINT, returned INTEGER, missing BYTEA);`,
    },
  },
  {
    version: 19,
    name: "the roster's keys packed for the match beside its students, so that packaging a return reads only them",
    sql: {
      sqlite: 'ALTER TABLE case_rosters ADD COLUMN match_keys BLOB;',
      postgres: 'ALTER TABLE case_rosters ADD COLUMN match_keys BYTEA;',
    },
  },
  {
    version: 20,
    name: "single sign-on: the provider's subject an account is bound to (one account a subject), and the break-glass accounts that keep a password when password sign-in is off",
    sql: {
      sqlite: `ALTER TABLE users ADD COLUMN oidc_subject TEXT;
ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX IF NOT EXISTS users_oidc_subject ON users (oidc_subject);`,
      postgres: `ALTER TABLE users ADD COLUMN oidc_subject TEXT;
ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject);`,
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** The version that made `case_statuses`: from it on, each start re-ranks the cases by the code's statuses. */
export const STATUS_TABLE_VERSION = 16;
