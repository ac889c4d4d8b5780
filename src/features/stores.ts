import { DocumentStore } from '../db/document-store.js';
import type { TransactionTail } from '../db/transaction-tail.js';
import type { EnvironmentDoc } from './environments/environment-model.js';
import type { FlagDoc } from './flags/flag-model.js';
import type { IntegrationDoc } from './integrations/integration-model.js';
import type { MemberDoc } from './members/member-model.js';
import type { MetricDoc } from './metrics/metric-model.js';
import type { ProjectDoc } from './projects/project-model.js';
import type { RoleDoc, RoleStore } from './roles/role-model.js';
import type { SegmentDoc } from './segments/segment-model.js';
import type { TokenDoc } from './tokens/token-model.js';

/**
 * Every resource is a versioned JSON document (see DocumentStore), so each feature's store is
 * the one generic store bound to its table; keeping them here avoids eight one-line files.
 * Scopes: projects, members, roles, tokens `''`; environments, flags, metrics `projectKey`;
 * segments `projectKey/envKey`; integrations their kind (`hipchat`).
 *
 * Only the composition root holds them all: each service receives the few stores it uses, by
 * name (`{ flags, environments }`), so what it can reach is written in its constructor.
 */
export type ProjectStore = DocumentStore<ProjectDoc>;
export type EnvironmentStore = DocumentStore<EnvironmentDoc>;
export type FlagStore = DocumentStore<FlagDoc>;
export type SegmentStore = DocumentStore<SegmentDoc>;
export type MetricStore = DocumentStore<MetricDoc>;
export type MemberStore = DocumentStore<MemberDoc>;
export type TokenStore = DocumentStore<TokenDoc>;
export type { RoleStore };
export type IntegrationStore = DocumentStore<IntegrationDoc>;

/** `tail`: PostgreSQL's, where writes held for a change's last statement wait (db/transaction-tail.ts). */
export function createStores(tail?: TransactionTail) {
  return {
    projects: new DocumentStore<ProjectDoc>('projects', 'Project', tail),
    environments: new DocumentStore<EnvironmentDoc>('environments', 'Environment', tail),
    flags: new DocumentStore<FlagDoc>('flags', 'Flag', tail),
    segments: new DocumentStore<SegmentDoc>('segments', 'Segment', tail),
    metrics: new DocumentStore<MetricDoc>('metrics', 'Metric', tail),
    members: new DocumentStore<MemberDoc>('members', 'Member', tail),
    tokens: new DocumentStore<TokenDoc>('access_tokens', 'Access token', tail),
    roles: new DocumentStore<RoleDoc>('custom_roles', 'Custom role', tail),
    integrations: new DocumentStore<IntegrationDoc>('integrations', 'Integration', tail),
  };
}

/** All the stores: the composition root's (and the delivery/integration code's, until it narrows). */
export type Stores = ReturnType<typeof createStores>;
