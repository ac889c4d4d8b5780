import type { ResourceSegment, TaggedAccess } from '../../policy/resource.js';
import type { Permissions } from '../access/permissions.js';

/** The policy engine's types are the audit log's: entries store exactly what filters match on. */
export type AccessSegment = ResourceSegment;
export type { TaggedAccess };

export interface AuditMember {
  _id: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

export interface AuditToken {
  _id: string;
  name: string;
  ending: string;
}

/** Who made a change: a member, possibly acting through one of their access tokens. */
export interface Actor {
  readonly member: AuditMember;
  readonly token?: AuditToken;
  /**
   * Whether the actor may perform an access; absent for the system itself (first-start
   * bootstrap). Checked for every access of every entry before the change commits.
   */
  readonly can?: (action: string, resource: TaggedAccess['resource']) => boolean;
  /** The rights `can` answers from, for grants (tokens, invitations, roles); absent for the system. */
  readonly rights?: Permissions;
}

export interface Link {
  href: string;
  type: string;
}

/** The audit entry as the API returns it (LaunchDarkly's shape). */
export interface AuditEntry {
  _id: string;
  _links: { self: Link; site?: Link };
  date: number;
  kind: string;
  name: string;
  accesses: { action: string; resource: string }[];
  titleVerb: string;
  title: string;
  description: string;
  shortDescription: string;
  comment?: string;
  member?: AuditMember;
  token?: AuditToken;
  target: { name: string; resources: string[] };
  parent?: { name: string; resource: string };
}

export interface AuditEntryDetail extends AuditEntry {
  previousVersion?: unknown;
  currentVersion?: unknown;
  delta?: unknown;
}

/** An entry as stored: the API shape plus the tagged accesses a policy filter needs. */
export interface AuditRecord {
  readonly entry: AuditEntry;
  readonly taggedAccesses: readonly TaggedAccess[];
  readonly previousVersion?: unknown;
  readonly currentVersion?: unknown;
  readonly delta?: unknown;
}
