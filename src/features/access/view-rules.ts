import type { TaggedAccess } from '../../policy/resource.js';
import type { Principal } from './principal.js';

/**
 * Reading follows LaunchDarkly's `viewProject`: anything under a project (its environments,
 * flags, segments, metrics) needs `viewProject` on that project, with the project's tags.
 * These answer for lists, which show only what the reader may view (RequestAuthorization
 * answers for one route's resource).
 */
export function canViewProject(
  principal: Principal,
  project: { key: string; tags: readonly string[] },
): boolean {
  return principal.permissions.can('viewProject', [{ type: 'proj', key: project.key, tags: project.tags }]);
}

/**
 * Whether the principal may read an audit entry (or hear of it through a preview): it must
 * be able to view the project of every access inside one, with the tags the project had then.
 * Tokens' entries follow the tokens (their member's, or an admin's, to read); the rest
 * outside projects (members, roles, integrations) is the team's to read.
 */
export function canViewEntry(principal: Principal, accesses: readonly TaggedAccess[]): boolean {
  const { permissions } = principal;
  return accesses.every((access) => {
    const [outer, inner] = access.resource;
    if (outer?.type === 'proj') return permissions.can('viewProject', [outer]);
    if (outer?.type === 'service-token') return permissions.isAdmin;
    if (outer?.type === 'member' && inner?.type === 'token') {
      return permissions.isAdmin || outer.key === principal.memberId;
    }
    return true;
  });
}
