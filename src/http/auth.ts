import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ForbiddenError, UnauthorizedError } from '../errors/app-errors.js';
import { type Permissions, permissionsFor } from '../features/access/permissions.js';
import type { Actor } from '../features/audit/audit-model.js';
import type { Stores } from '../features/stores.js';
import { hashToken } from '../shared/token-hash.js';

export interface Principal {
  readonly actor: Actor;
  readonly memberId: string;
  readonly tokenId: string | undefined;
  readonly permissions: Permissions;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export function readToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  const token = bearer?.[1] ?? value;
  return token === '' ? undefined : token;
}

/** The browser session cookie (HttpOnly, SameSite=Lax). */
export const sessionCookie = 'switchboard_session';

/**
 * Header the web UI sends with every cookie-authenticated write. A cross-site form cannot set
 * it, and a cross-site script cannot send it without a CORS preflight, which this API never
 * grants; SameSite=Lax already keeps the cookie off cross-site POSTs, this is the second lock.
 */
export const csrfHeader = 'x-switchboard-csrf';

export interface SessionAuthenticator {
  authenticate(token: string): Promise<Principal>;
}

export interface AuthRequest {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly sessionToken: string | undefined;
  readonly csrfHeader: string | undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Authenticator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: Stores,
    private readonly sessions: SessionAuthenticator,
  ) {}

  /** An access token in Authorization wins; otherwise the session cookie, with the CSRF check. */
  async authenticateRequest(request: AuthRequest): Promise<Principal> {
    if (request.authorization !== undefined && request.authorization.trim() !== '') {
      return this.authenticate(request.authorization);
    }
    if (request.sessionToken !== undefined && request.sessionToken !== '') {
      if (
        !safeMethods.has(request.method) &&
        (request.csrfHeader === undefined || request.csrfHeader === '')
      ) {
        throw new ForbiddenError(
          `Cross-site request refused: cookie-authenticated writes need the ${csrfHeader} header`,
        );
      }
      return this.sessions.authenticate(request.sessionToken);
    }
    throw new UnauthorizedError('Missing access token: send it in the Authorization header, or sign in');
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const raw = readToken(header);
    if (raw === undefined)
      throw new UnauthorizedError('Missing access token: send it in the Authorization header');
    const token = await this.stores.tokens.getByLookup(this.db, hashToken(raw));
    if (token === undefined) throw new UnauthorizedError('Invalid access token');
    const member = await this.stores.members.getById(this.db, token.doc.memberId);
    if (member === undefined) throw new UnauthorizedError('Invalid access token');
    const m = member.doc;
    const permissions = await permissionsFor(this.db, this.stores, member, token);
    return {
      memberId: member.id,
      tokenId: token.id,
      permissions,
      actor: {
        member: { _id: member.id, email: m.email, firstName: m.firstName, lastName: m.lastName },
        token: { _id: token.id, name: token.doc.name, ending: token.doc.token.slice(-4) },
        can: (action, resource) => permissions.can(action, resource),
        rights: permissions,
      },
    };
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new UnauthorizedError();
  return request.principal;
}
