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
] as const;
export type DocumentTable = (typeof documentTables)[number];

export type Database = { [T in DocumentTable]: DocumentRow } & { audit_entries: AuditEntryRow };

/** A database handle or an open transaction: store methods accept either. */
export type Executor = Kysely<Database> | Transaction<Database>;
