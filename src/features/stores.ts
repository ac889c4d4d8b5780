import { DocumentStore } from '../db/document-store.js';
import type { EnvironmentDoc } from './environments/environment-model.js';
import type { FlagDoc } from './flags/flag-model.js';
import type { IntegrationDoc } from './integrations/integration-model.js';
import type { MemberDoc } from './members/member-model.js';
import type { MetricDoc } from './metrics/metric-model.js';
import type { ProjectDoc } from './projects/project-model.js';
import type { RoleDoc } from './roles/role-model.js';
import type { SegmentDoc } from './segments/segment-model.js';
import type { TokenDoc } from './tokens/token-model.js';

/**
 * Every resource is a versioned JSON document (see DocumentStore), so each feature's store is
 * the one generic store bound to its table; keeping them here avoids eight one-line files.
 * Scopes: projects, members, roles, tokens `''`; environments, flags, metrics `projectKey`;
 * segments `projectKey/envKey`; integrations their kind (`hipchat`).
 */
export function createStores() {
  return {
    projects: new DocumentStore<ProjectDoc>('projects', 'Project'),
    environments: new DocumentStore<EnvironmentDoc>('environments', 'Environment'),
    flags: new DocumentStore<FlagDoc>('flags', 'Flag'),
    segments: new DocumentStore<SegmentDoc>('segments', 'Segment'),
    metrics: new DocumentStore<MetricDoc>('metrics', 'Metric'),
    members: new DocumentStore<MemberDoc>('members', 'Member'),
    tokens: new DocumentStore<TokenDoc>('access_tokens', 'Access token'),
    roles: new DocumentStore<RoleDoc>('custom_roles', 'Custom role'),
    integrations: new DocumentStore<IntegrationDoc>('integrations', 'Integration'),
  };
}

export type Stores = ReturnType<typeof createStores>;
