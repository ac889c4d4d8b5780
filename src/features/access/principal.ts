import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../errors/app-errors.js';
import type { Actor } from '../audit/audit-model.js';
import type { Permissions } from './permissions.js';

/** Who a REST request acts for: a member, through an access token or a browser session. */
export interface Principal {
  readonly actor: Actor;
  readonly memberId: string;
  readonly tokenId: string | undefined;
  readonly permissions: Permissions;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the request guard before any handler of a route that is not public. */
    principal: Principal | undefined;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new UnauthorizedError();
  return request.principal;
}

/** The principal of a member (and their token, if any) with these permissions. */
export function principalFor(
  member: { id: string; doc: { email: string; firstName?: string; lastName?: string } },
  token: { id: string; doc: { name: string; token: string } } | undefined,
  permissions: Permissions,
): Principal {
  const m = member.doc;
  return {
    memberId: member.id,
    tokenId: token?.id,
    permissions,
    actor: {
      member: { _id: member.id, email: m.email, firstName: m.firstName, lastName: m.lastName },
      ...(token === undefined
        ? {}
        : { token: { _id: token.id, name: token.doc.name, ending: token.doc.token.slice(-4) } }),
      can: (action, resource) => permissions.can(action, resource),
      rights: permissions,
    },
  };
}
