/**
 * The API shapes the UI reads, written out by hand from `/api/v2/openapi.json` (only the fields the
 * UI uses). They are kept apart from the server's TypeBox schemas so that the browser bundle never
 * pulls in server code.
 */

export interface Link {
  readonly href: string;
  readonly type: string;
}

/** One problem in a request, at a JSON pointer into what was sent. */
export interface ApiIssue {
  readonly pointer: string;
  readonly message: string;
}

export type Role = 'reader' | 'writer' | 'admin' | 'owner' | 'no_access';
export const roles: readonly Role[] = ['reader', 'writer', 'admin', 'owner', 'no_access'];

export interface Member {
  readonly _id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly role: Role;
  readonly customRoles: readonly string[];
  readonly _pendingInvite: boolean;
  readonly _lastSeen: number;
  readonly creationDate: number;
}

/** A member just invited: the one-time link to send them comes back to the inviter only. */
export interface InvitedMember extends Member {
  readonly _inviteUrl: string;
}

export interface Session {
  readonly member: Member;
  readonly via: 'session' | 'token';
}

export interface Environment {
  readonly _id: string;
  readonly key: string;
  readonly name: string;
  /** Hex without the `#`, e.g. `417505`. */
  readonly color: string;
  /** The server-side SDK key; `********` for someone without viewSdkKey. */
  readonly apiKey: string;
  /** The mobile key; `********` for someone without viewSdkKey. */
  readonly mobileKey: string;
  /** Changes here must carry a comment. */
  readonly requireComments?: boolean;
  /** Changes here are confirmed before they are saved. */
  readonly confirmChanges?: boolean;
  /** Marks the environment whose changes matter most (production). */
  readonly critical?: boolean;
  readonly _version?: number;
}

export interface EnvironmentPost {
  readonly key: string;
  readonly name: string;
  readonly color: string;
  readonly requireComments?: boolean;
  readonly confirmChanges?: boolean;
  readonly critical?: boolean;
}

export interface Project {
  readonly _id: string;
  readonly key: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly environments: readonly Environment[];
}

/** A project as `GET /projects?expand=environments` answers it: its environments as a page. */
export interface ProjectRead extends Omit<Project, 'environments'> {
  readonly environments?: Page<Environment>;
}

export interface Variation {
  readonly _id?: string;
  readonly value: unknown;
  readonly name?: string;
  readonly description?: string;
}

export interface Rollout {
  readonly variations: readonly { readonly variation: number; readonly weight: number }[];
  readonly bucketBy?: string;
}

export interface VariationOrRollout {
  readonly variation?: number;
  readonly rollout?: Rollout;
}

export interface FlagRule extends VariationOrRollout {
  readonly _id: string;
  readonly description?: string;
  readonly clauses: readonly {
    readonly _id?: string;
    readonly attribute: string;
    readonly op: string;
    readonly values: unknown[];
    readonly negate?: boolean;
    readonly contextKind?: string;
  }[];
  readonly trackEvents?: boolean;
}

export interface FlagEnvironment {
  readonly on: boolean;
  readonly offVariation: number;
  readonly fallthrough: VariationOrRollout;
  readonly targets: readonly {
    readonly values: readonly string[];
    readonly variation: number;
    readonly contextKind?: string;
  }[];
  readonly rules: readonly FlagRule[];
  readonly prerequisites: readonly { readonly key: string; readonly variation: number }[];
  readonly version: number;
  readonly lastModified: number;
  readonly _environmentName: string;
}

export interface Flag {
  readonly key: string;
  readonly _version: number;
  readonly name: string;
  readonly description: string;
  readonly kind: 'boolean' | 'multivariate';
  readonly variations: readonly Variation[];
  readonly tags: readonly string[];
  readonly temporary: boolean;
  readonly archived: boolean;
  readonly creationDate: number;
  readonly defaults: { readonly onVariation: number; readonly offVariation: number };
  readonly environments: Readonly<Record<string, FlagEnvironment>>;
  readonly maintainerId?: string;
  readonly clientSideAvailability?: {
    readonly usingMobileKey: boolean;
    readonly usingEnvironmentId: boolean;
  };
}

/** One instruction of a semantic patch, e.g. `{"kind": "addVariation", "value": "hybrid"}`. */
export interface SemanticInstruction {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** `GET /flags/{projectKey}/{flagKey}/evaluations`: what SDKs reported evaluating, per variation. */
/** A segment of one environment: contexts included or excluded by key, and rules. */
export interface Segment {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly included?: readonly string[];
  readonly excluded?: readonly string[];
  readonly rules?: readonly SegmentRule[];
  readonly _version?: number;
  readonly creationDate?: number;
}

export interface SegmentRule {
  readonly _id?: string;
  readonly description?: string;
  readonly clauses: readonly {
    readonly _id?: string;
    readonly attribute: string;
    readonly op: string;
    readonly values: readonly unknown[];
    readonly negate: boolean;
    readonly contextKind?: string;
  }[];
}

export interface FlagEvaluations {
  readonly environmentKey: string;
  readonly hours: number;
  readonly totalCount: number;
  /** `variation: null` counts the application's default being served. */
  readonly variations: readonly { readonly variation: number | null; readonly count: number }[];
  readonly lastEvaluated: number | null;
}

export interface FlagPost {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly variations?: readonly { readonly value: unknown; readonly name?: string }[];
  readonly temporary?: boolean;
  readonly tags?: readonly string[];
}

export interface AuditEntry {
  readonly _id: string;
  readonly _links: { readonly self: Link; readonly site?: Link };
  readonly date: number;
  readonly kind: string;
  readonly name: string;
  readonly accesses: readonly { readonly action: string; readonly resource: string }[];
  readonly titleVerb: string;
  /** Markdown: links and code spans. */
  readonly title: string;
  /** Markdown: a list of what changed. */
  readonly description: string;
  readonly shortDescription: string;
  readonly comment?: string;
  readonly member?: {
    readonly _id: string;
    readonly email: string;
    readonly firstName?: string;
    readonly lastName?: string;
  };
  readonly token?: { readonly _id: string; readonly name: string; readonly ending: string };
  readonly target: { readonly name: string; readonly resources: readonly string[] };
}

export interface AuditEntryDetail extends AuditEntry {
  readonly previousVersion?: unknown;
  readonly currentVersion?: unknown;
  readonly delta?: unknown;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly totalCount?: number;
  readonly _links?: { readonly self?: Link; readonly next?: Link };
}

export interface HipChatConfig {
  readonly room: string;
  /** Always the mask `********`: the stored token never leaves the server. */
  readonly token: string;
  readonly server?: string;
  readonly notify: boolean;
  readonly template?: string;
}

/**
 * Slack: an incoming webhook (`webhookUrl`) or a bot token with a channel. The secret fields are
 * always the mask `********`; sending the mask back keeps the stored value.
 */
export interface SlackConfig {
  readonly webhookUrl?: string;
  readonly token?: string;
  readonly channel?: string;
  readonly template?: string;
}

/** Microsoft Teams: a Workflows webhook URL (always the mask in answers). */
export interface TeamsConfig {
  readonly url: string;
  readonly template?: string;
}

export interface IntegrationError {
  readonly statusCode?: number;
  readonly responseBody: string;
  readonly timestamp: number;
  /** The network error's class when nothing answered (timeout, dns, …). */
  readonly errorClass?: string;
  /** A Test button message, not a delivery. */
  readonly test?: boolean;
}

export interface IntegrationStatus {
  readonly successCount: number;
  readonly lastSuccess?: number;
  readonly errorCount: number;
  readonly lastError?: number;
  /** Most recent first. */
  readonly errors: readonly IntegrationError[];
  readonly errored?: { readonly reason: string; readonly since: number };
  readonly pending: number;
}

export type PolicyStatement = Readonly<Record<string, unknown>>;

/** What every delivery target has: a name, the on/off switch, the policy filter and its health. */
export interface Connection {
  readonly _id: string;
  readonly _version: number;
  readonly name: string;
  readonly on: boolean;
  readonly statements: readonly PolicyStatement[];
  readonly tags: readonly string[];
  readonly creationDate: number;
  readonly _status: IntegrationStatus;
}

export interface Integration<C = HipChatConfig> extends Connection {
  readonly kind: string;
  readonly config: C;
}

export interface IntegrationPost<C = HipChatPostConfig> {
  readonly name: string;
  readonly on?: boolean;
  readonly config: C;
  readonly statements?: readonly PolicyStatement[];
}

export interface HipChatPostConfig {
  readonly room: string;
  readonly token: string;
  readonly server?: string;
  readonly notify?: boolean;
  readonly template?: string;
}

/** A LaunchDarkly-shaped webhook. `secret` is only in the answer that created or generated it. */
export interface Webhook extends Connection {
  /** Write-only: always `********`; sending it back keeps the stored URL. */
  readonly url: string;
  readonly sign: boolean;
  readonly secret?: string;
}

export interface WebhookPost {
  readonly url: string;
  readonly sign?: boolean;
  readonly secret?: string;
  readonly on?: boolean;
  readonly name?: string;
  readonly statements?: readonly PolicyStatement[];
}

export type DeliveryStatus = 'pending' | 'done' | 'dead' | 'dropped';

export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: number;
  readonly outcome: string;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly errorClass?: string;
  readonly responseExcerpt?: string;
}

export interface Delivery {
  readonly _id: number;
  readonly auditId: string;
  readonly kind: string;
  /** The audit entry's Markdown title. */
  readonly title: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt?: number;
  readonly finishedAt?: number;
  readonly lastError?: string;
  /** Why a pending delivery not tried yet waits: the chat service's limit, or an older delivery. */
  readonly waitingFor?: 'rateLimit' | 'earlierDelivery';
  readonly attemptLog: readonly DeliveryAttempt[];
}

export interface TestOutcome {
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly responseBody?: string;
  readonly error?: string;
  readonly errorClass?: string;
  /** When it was recorded: its row in the delivery log and, failed, the health's last error. */
  readonly at: number;
}

/** A Test button message as the delivery log lists it beside the deliveries. */
export interface TestMessage {
  readonly _id: number;
  readonly at: number;
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly errorClass?: string;
  /** The answer's excerpt, or the network error. */
  readonly detail?: string;
  readonly actorName?: string;
}

/** A page of the delivery log: deliveries, and the tests sent in the time they cover. */
export interface DeliveryPage {
  readonly items: readonly Delivery[];
  readonly tests: readonly TestMessage[];
}

export interface PolicyPreview {
  readonly items: readonly AuditEntry[];
  readonly totalCount: number;
  readonly scanned: number;
}

export type JsonPatchOperation =
  | { readonly op: 'replace' | 'add' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** LaunchDarkly's evaluation reason: why a context gets the value it gets. */
export interface EvaluationReason {
  readonly kind: 'OFF' | 'FALLTHROUGH' | 'TARGET_MATCH' | 'RULE_MATCH' | 'PREREQUISITE_FAILED' | 'ERROR';
  readonly ruleIndex?: number;
  readonly ruleId?: string;
  readonly prerequisiteKey?: string;
  readonly inExperiment?: boolean;
  readonly errorKind?: string;
}

/** One flag of `POST /projects/{p}/environments/{e}/flags/evaluate`. */
export interface ContextEvaluation {
  readonly key: string;
  readonly name: string;
  readonly _value: unknown;
  readonly _variationIndex?: number;
  readonly reason: EvaluationReason;
}
