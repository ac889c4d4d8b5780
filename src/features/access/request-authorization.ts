import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ForbiddenError } from '../../errors/app-errors.js';
import { csrfHeader, sessionCookie } from '../../http/credentials.js';
import type { ReadRule, RequestGuard, RouteAccess } from '../../http/route-access.js';
import type { Actor } from '../audit/audit-model.js';
import { access, segment } from '../audit/resource-path.js';
import type { ProjectStore } from '../stores.js';
import type { Authenticator } from './authenticator.js';
import { assertAllowed, authorizeChange, type ChangeAccesses } from './authorize.js';
import { type Principal, principalOf } from './principal.js';

export interface RequestAuthorizationOptions {
  readonly db: Kysely<Database>;
  readonly projects: ProjectStore;
  readonly authenticator: Authenticator;
}

/**
 * The one authorization path of the REST API. Each route declares what it reads or writes
 * (`config.access`, see http/route-access.ts), and every decision ends in `assertAllowed` with
 * the accesses it concerns:
 * - a read: the declared read, before the handler;
 * - a write of a fixed action (a test message): that action on the route's resource, before;
 * - a change: each access of its audit entry, with the tags before and after, when the change
 *   log records it (`admitChange`, in the change's transaction, so a refusal rolls it back);
 * - a write that recorded no change answered with what is there: the declared read, after.
 */
export class RequestAuthorization implements RequestGuard {
  /** Actors (one per request) with an admitted change: a write without one changed nothing. */
  private readonly changed = new WeakSet<Actor>();

  constructor(private readonly options: RequestAuthorizationOptions) {}

  async authenticate(request: FastifyRequest): Promise<string> {
    const csrf = request.headers[csrfHeader];
    const principal = await this.options.authenticator.authenticateRequest({
      method: request.method,
      authorization: request.headers.authorization,
      sessionToken: request.cookies[sessionCookie],
      csrfHeader: Array.isArray(csrf) ? csrf[0] : csrf,
    });
    request.principal = principal;
    return principal.tokenId ?? `session:${principal.memberId}`;
  }

  async beforeHandler(request: FastifyRequest, route: RouteAccess): Promise<void> {
    const principal = principalOf(request);
    if (route.writes === undefined) return this.read(principal, route.reads, request.params);
    if (route.writes !== 'change') {
      const params = (request.params ?? {}) as Record<string, string>;
      assertAllowed(principal.actor, [
        { action: route.writes.action, resource: route.writes.resource(params) },
      ]);
    }
  }

  async afterWrite(request: FastifyRequest, route: RouteAccess): Promise<void> {
    const principal = request.principal;
    if (principal === undefined || route.writes === undefined || this.changed.has(principal.actor)) return;
    await this.read(principal, route.reads, request.params);
  }

  /** The change log's gate: refuses a change the actor may not make, and notes one it may. */
  readonly admitChange = (change: ChangeAccesses): void => {
    authorizeChange(change);
    this.changed.add(change.actor);
  };

  private async read(principal: Principal, rule: ReadRule, params: unknown): Promise<void> {
    if (rule === 'public' || rule === 'self') return;
    if (principal.permissions.hasNoAccess) {
      throw new ForbiddenError('Not allowed: this account has no access; ask an admin for a role');
    }
    if (rule === 'account') return;
    const projectKey = (params as { projectKey?: unknown } | undefined)?.projectKey;
    if (typeof projectKey !== 'string') return;
    const project = await this.options.projects.get(this.options.db, '', projectKey);
    // An unknown project is a 404 from the route itself; do not reveal more here.
    if (project === undefined) return;
    assertAllowed(principal.actor, [access('viewProject', segment('proj', projectKey, project.doc.tags))]);
  }
}
