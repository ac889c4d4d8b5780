import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ForbiddenError, UnauthorizedError } from '../../errors/app-errors.js';
import { type AuthRequest, csrfHeader, readToken } from '../../http/credentials.js';
import { hashToken } from '../../shared/token-hash.js';
import { TurnBatch } from '../../shared/turn-batch.js';
import type { RoleStore } from '../stores.js';
import { permissionsFor } from './permissions.js';
import { type Principal, principalFor } from './principal.js';
import { tokenWithMember } from './token-with-member.js';

export interface SessionAuthenticator {
  authenticate(token: string): Promise<Principal>;
}

export interface AuthenticatorOptions {
  readonly db: Kysely<Database>;
  readonly roles: RoleStore;
  readonly sessions: SessionAuthenticator;
  /**
   * Requests with one token in the same event-loop turn share its lookup (`TurnBatch`): worth
   * it where each statement is a round trip (PostgreSQL), not where a read is a function call.
   */
  readonly shareLookups?: boolean;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who a request's credentials name: an access token, or a browser session. */
export class Authenticator {
  private readonly lookups: TurnBatch<string, Principal> | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    if (options.shareLookups === true)
      this.lookups = TurnBatch.each((lookup: string) => this.principal(lookup));
  }

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
      return this.options.sessions.authenticate(request.sessionToken);
    }
    throw new UnauthorizedError('Missing access token: send it in the Authorization header, or sign in');
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const raw = readToken(header);
    if (raw === undefined)
      throw new UnauthorizedError('Missing access token: send it in the Authorization header');
    const lookup = hashToken(raw);
    return this.lookups === undefined ? this.principal(lookup) : this.lookups.get(lookup);
  }

  /** Who the token with this lookup hash belongs to, with their rights as stored now. */
  private async principal(lookup: string): Promise<Principal> {
    const { db, roles } = this.options;
    const found = await tokenWithMember(db, lookup);
    if (found === undefined) throw new UnauthorizedError('Invalid access token');
    const { token, member } = found;
    if (member === undefined) throw new UnauthorizedError('Invalid access token');
    return principalFor(member, token, await permissionsFor(db, roles, member, token));
  }
}
