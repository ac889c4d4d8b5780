import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ForbiddenError } from '../../errors/app-errors.js';
import type { Principal } from '../../http/auth.js';
import type { TaggedAccess } from '../../policy/resource.js';
import type { Stores } from '../stores.js';

/**
 * Reading follows LaunchDarkly's `viewProject`: anything under a project (its environments,
 * flags, segments, metrics) needs `viewProject` on that project, with the project's tags. Writes
 * are checked by the change log against each audit access; this covers the GETs.
 */
export class ReadAccess {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: Stores,
  ) {}

  async check(principal: Principal, method: string, route: string, params: unknown): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') return;
    if (route === '/api/v2/session' || route === '/api/v2/members/me' || route.startsWith('/api/v2/tokens'))
      return;
    if (principal.permissions.hasNoAccess) {
      throw new ForbiddenError('Not allowed: this account has no access; ask an admin for a role');
    }
    const projectKey = (params as { projectKey?: unknown } | undefined)?.projectKey;
    if (typeof projectKey !== 'string') return;
    const project = await this.stores.projects.get(this.db, '', projectKey);
    // An unknown project is a 404 from the route itself; do not reveal more here.
    if (project === undefined) return;
    if (
      !principal.permissions.can('viewProject', [{ type: 'proj', key: projectKey, tags: project.doc.tags }])
    ) {
      throw new ForbiddenError(`Not allowed: viewProject on proj/${projectKey}`);
    }
  }

  canView(principal: Principal, project: { key: string; tags: readonly string[] }): boolean {
    return principal.permissions.can('viewProject', [{ type: 'proj', key: project.key, tags: project.tags }]);
  }

  /**
   * Whether the principal may read an audit entry (or hear of it through a preview): it must
   * be able to view the project of every access inside one, with the tags the project had then.
   * Tokens' entries follow the tokens (their member's, or an admin's, to read); the rest
   * outside projects (members, roles, integrations) is the team's to read.
   */
  canViewEntry(principal: Principal, accesses: readonly TaggedAccess[]): boolean {
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
}
