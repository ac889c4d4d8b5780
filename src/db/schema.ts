import type { Generated, Kysely, Transaction } from 'kysely';

/**
 * Every resource a team edits is a JSON document with a version, kept in a table of its own.
 * `scope` is the parent path (`''`, `projectKey` or `projectKey/envKey`) so keys are unique per
 * parent; `lookup` is an optional unique secondary key (a member's email, a token's hash).
 */
export interface DocumentRow {
  id: string;
  scope: string;
  key: string;
  doc: string;
  version: number;
  created_at: number;
  lookup: string | null;
  secret: string | null;
  /** List columns, derived from `doc` on every write (see list-columns.ts, migration 008). */
  name: Generated<string>;
  archived: Generated<number>;
  tags: Generated<string>;
  search: Generated<string>;
}

export interface AuditEntryRow {
  seq: Generated<number>;
  id: string;
  date: number;
  kind: string;
  /** Lower-cased text that `q` searches: target name and key, actor email and name, comment. */
  search: string;
  /** Tagged accesses as JSON: what a policy filter matches on, with the tags of the time. */
  accesses: string;
  entry: string;
  previous_version: string | null;
  current_version: string | null;
  delta: string | null;
}

export const documentTables = [
  'projects',
  'environments',
  'flags',
  'segments',
  'metrics',
  'members',
  'access_tokens',
  'custom_roles',
  'integrations',
] as const;
export type DocumentTable = (typeof documentTables)[number];

export interface IntegrationStatusRow {
  integration_id: string;
  success_count: Generated<number>;
  error_count: Generated<number>;
  last_success: number | null;
  last_error: number | null;
  consecutive_failures: Generated<number>;
  failing_since: number | null;
  errored_reason: string | null;
  /** JSON: the last few failures with status code and response excerpt. */
  recent_errors: Generated<string>;
}

/** One message of an integration's Test button (migrations/010-integration-tests.ts). */
export interface IntegrationTestRow {
  id: Generated<number>;
  integration_id: string;
  at: number;
  /** 1 delivered, 0 failed (an integer on both engines). */
  ok: number;
  status_code: number | null;
  latency_ms: number;
  error_class: string | null;
  /** The answer's excerpt or the network error, as the delivery log keeps them for attempts. */
  detail: string | null;
  actor_name: string | null;
}

export type DeliveryStatus = 'pending' | 'done' | 'dead' | 'dropped';

export interface DeliveryRow {
  id: Generated<number>;
  integration_id: string;
  audit_id: string;
  kind: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  run_at: number;
  locked_by: string | null;
  locked_at: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface DeliveryAttemptRow {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  at: number;
  outcome: string;
  status_code: number | null;
  latency_ms: number;
  error_class: string | null;
  response_excerpt: string | null;
}

export interface SessionRow {
  /** SHA-256 of the cookie's token. */
  id: string;
  member_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface InvitationRow {
  /** SHA-256 of the link's token. */
  id: string;
  member_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** An SDK or mobile key (see migrations/005-sdk-keys.ts). */
export interface SdkKeyRow {
  /** SHA-256 of the key, hex: how an SDK request finds it. */
  lookup: string;
  environment_id: string;
  project_key: string;
  env_key: string;
  kind: 'server' | 'mobile';
  /** The key sealed with the server's secret key (SecretBox). */
  sealed: string;
  created_at: number;
  /** Null for the current key; when a rotated-out key stops working. */
  expires_at: number | null;
}

/** A chat throttle's key shared by every process (see migrations/011-send-throttles.ts). */
export interface SendThrottleRow {
  limiter: string;
  key: string;
  /** The times of the key's last sends, oldest first, as a JSON array (`SendWindow`). */
  sends: string;
  /** Nothing under the key goes before this (a 429's reset); 0 when never blocked. */
  blocked_until: number;
  /** When the row last mattered: its last send, or the end of its block (pruned a day after). */
  touched_at: number;
}

/** A caller's REST rate window shared by every process (see migrations/012-rate-windows.ts). */
export interface RateWindowRow {
  /** An access token's id, or `session:` and a member's id. */
  caller: string;
  started_at: number;
  /** Requests counted in the window by every process. */
  total: number;
}

export type Database = { [T in DocumentTable]: DocumentRow } & {
  audit_entries: AuditEntryRow;
  integration_generation: { id: number; generation: number };
  integration_status: IntegrationStatusRow;
  integration_tests: IntegrationTestRow;
  deliveries: DeliveryRow;
  delivery_attempts: DeliveryAttemptRow;
  sessions: SessionRow;
  invitations: InvitationRow;
  sdk_keys: SdkKeyRow;
  send_throttles: SendThrottleRow;
  rate_windows: RateWindowRow;
};

/** A database handle or an open transaction: store methods accept either. */
export type Executor = Kysely<Database> | Transaction<Database>;
