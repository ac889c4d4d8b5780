import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { RateLimitedError, UnauthorizedError } from '../../errors/app-errors.js';
import { verifyPassword } from '../../shared/passwords.js';
import { hashToken } from '../../shared/token-hash.js';
import { permissionsFor } from '../access/permissions.js';
import { type Principal, principalFor } from '../access/principal.js';
import type { MemberStore, RoleStore } from '../stores.js';
import type { SignInLimiter } from './sign-in-limiter.js';

/** Sessions last 12 hours from sign-in, or until signed out or the member is removed. */
export const sessionLifetimeMs = 12 * 60 * 60_000;

export interface SessionServiceOptions {
  readonly db: Kysely<Database>;
  readonly members: MemberStore;
  readonly roles: RoleStore;
  readonly limiter: SignInLimiter;
  readonly clock: () => number;
}

export class SessionService {
  private readonly db: Kysely<Database>;
  private readonly members: MemberStore;
  private readonly roles: RoleStore;
  private readonly limiter: SignInLimiter;
  private readonly clock: () => number;

  constructor(options: SessionServiceOptions) {
    ({
      db: this.db,
      members: this.members,
      roles: this.roles,
      limiter: this.limiter,
      clock: this.clock,
    } = options);
  }

  async signIn(
    email: string,
    password: string,
    address: string,
  ): Promise<{ token: string; expiresAt: number; memberId: string }> {
    const account = email.trim().toLowerCase();
    const now = this.clock();
    // Counted before anything else, the hash included: see SignInLimiter.
    const refused = this.limiter.admit(account, address, now);
    if (refused > 0) {
      throw new RateLimitedError(
        `Too many failed sign-ins; try again in ${Math.ceil(refused / 60_000)} minute(s)`,
        refused,
      );
    }
    const member = await this.members.getByLookup(this.db, account);
    // Verify against a hash even for unknown accounts, so timing does not tell which exist.
    const ok = await verifyPassword(password, member?.secret ?? dummyHash);
    if (member === undefined || member.secret === null || !ok) {
      const delay = this.limiter.delayFor(account, now);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      throw new UnauthorizedError('Wrong email or password');
    }
    this.limiter.succeed(account, address, now);
    return this.open(member.id);
  }

  /** Starts a session for a member whose identity is already proven (password, invitation). */
  async open(memberId: string): Promise<{ token: string; expiresAt: number; memberId: string }> {
    const now = this.clock();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + sessionLifetimeMs;
    await this.db
      .insertInto('sessions')
      .values({
        id: hashToken(token),
        member_id: memberId,
        created_at: now,
        expires_at: expiresAt,
        last_seen_at: now,
      })
      .execute();
    return { token, expiresAt, memberId };
  }

  async authenticate(token: string): Promise<Principal> {
    const now = this.clock();
    const session = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', hashToken(token))
      .executeTakeFirst();
    if (session === undefined || Number(session.expires_at) <= now)
      throw new UnauthorizedError('Session expired; sign in again');
    const member = await this.members.getById(this.db, session.member_id);
    if (member === undefined) throw new UnauthorizedError('Session expired; sign in again');
    return principalFor(member, undefined, await permissionsFor(this.db, this.roles, member));
  }

  async signOut(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
  }
}

// A valid scrypt hash of a random password: verifying against it costs what a real check costs.
const dummyHash = 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$pQm6qJ0Hh0w0qS2u9Z2d6y1mWbVx0nP3oR4sT5uV6wA=';
