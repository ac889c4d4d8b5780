import type { FastifyRequest } from 'fastify';
import type { TaggedResource } from '../policy/resource.js';

/**
 * What the answer of a route shows, and so what reading it needs:
 * - `public`: nothing, not even credentials (signing in, accepting an invitation);
 * - `self`: credentials only; the caller's own things (their session, their tokens);
 * - `account`: any member or token with some access (members, roles, the audit log: lists that
 *   filter what the reader may see themselves);
 * - `project`: `viewProject` on the route's `:projectKey`, with the tags the project has.
 */
export type ReadRule = 'public' | 'self' | 'account' | 'project';

/** A write whose action is known from the route alone (sending a test message, a retry). */
export interface FixedWrite {
  readonly action: string;
  readonly resource: (params: Readonly<Record<string, string>>) => TaggedResource;
}

/**
 * The access a route declares (`config: { access }`); every route under /api/v2 has one.
 * Without `writes` the route is a read, whatever its method (a search sent as a POST).
 * `writes: 'change'`: each access of the change it records is authorized when it is recorded
 * (the audit entry's accesses, with the tags before and after); a write that recorded no change
 * answered with what is there, so it is authorized as the read `reads` names.
 */
export interface RouteAccess {
  readonly reads: ReadRule;
  readonly writes?: 'change' | FixedWrite;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /**
     * What a route starts as its request arrives, before the request is authenticated, so that
     * it goes with the credentials' lookup: a read whose result the handler may use once it is
     * allowed (`FlagLoader.early`), never a write, never anything answered before.
     */
    early?: (request: FastifyRequest) => void;
  }
}

/** Who may do what: the edge asks, the domain answers (see features/access). */
export interface RequestGuard {
  /** Sets the request's principal from its credentials; answers the key its rate limit counts under. */
  authenticate(request: FastifyRequest): Promise<string>;
  /** Before the handler: a read, or a write of a fixed action. */
  beforeHandler(request: FastifyRequest, access: RouteAccess): Promise<void>;
  /** After a write's handler succeeded: a write that recorded no change is the read it answers. */
  afterWrite(request: FastifyRequest, access: RouteAccess): Promise<void>;
}
