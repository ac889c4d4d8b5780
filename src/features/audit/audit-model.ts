/** One level of a resource path with the tags the resource had when the change was made. */
export interface AccessSegment {
  readonly type: string;
  readonly key: string;
  readonly tags: readonly string[];
  /** Other names the key answers to in a policy (a member's email beside its id). */
  readonly aliases?: readonly string[];
}

/** What a policy filter matches on: an action and the tagged resource it was performed on. */
export interface TaggedAccess {
  readonly action: string;
  readonly resource: readonly AccessSegment[];
}

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
