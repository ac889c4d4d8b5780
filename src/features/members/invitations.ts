import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { type LinkSite, linkBaseFor, type RequestOrigin } from '../../http/link-origin.js';
import { hashPassword } from '../../shared/passwords.js';
import { hashToken } from '../../shared/token-hash.js';
import type { MemberStore } from '../stores.js';

/** An invitation link works once, for a week. */
export const invitationLifetimeMs = 7 * 24 * 60 * 60_000;

export interface InvitationsOptions {
  readonly db: Kysely<Database>;
  readonly stores: { readonly members: MemberStore };
  /** The site's base URL, and whether SWITCHBOARD_BASE_URL set it (else it follows the bound port). */
  readonly site: LinkSite;
  readonly clock: () => number;
}

/**
 * Invitation links. With no mail server, the link goes back to the inviter in the API response
 * and nowhere else: never into the audit log or a notification, which many people can read.
 * The token sits in the URL fragment so it does not reach server or proxy logs.
 */
export class Invitations {
  private readonly db: Kysely<Database>;
  private readonly stores: InvitationsOptions['stores'];
  private readonly site: LinkSite;
  private readonly clock: () => number;

  constructor(options: InvitationsOptions) {
    this.db = options.db;
    this.stores = options.stores;
    this.site = options.site;
    this.clock = options.clock;
  }

  /**
   * A new link for the member, shown to the inviter only: without a configured base URL it
   * follows the origin they came by (`origin`, see http/link-origin.ts).
   */
  async create(tx: Transaction<Database>, memberId: string, origin?: RequestOrigin): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    const now = this.clock();
    await tx
      .insertInto('invitations')
      .values({
        id: hashToken(token),
        member_id: memberId,
        created_at: now,
        expires_at: now + invitationLifetimeMs,
        used_at: null,
      })
      .execute();
    const base = origin === undefined ? this.site.baseUrl() : linkBaseFor(origin, this.site);
    return `${base}/accept-invitation#${token}`;
  }

  /** Sets the password and ends the pending state; the link is spent whether or not more follow. */
  async accept(
    token: string,
    password: string,
    names: { firstName?: string; lastName?: string },
  ): Promise<string> {
    const passwordHash = await hashPassword(password);
    return this.db.transaction().execute(async (tx) => {
      const now = this.clock();
      const invitation = await tx
        .selectFrom('invitations')
        .selectAll()
        .where('id', '=', hashToken(token))
        .executeTakeFirst();
      if (invitation === undefined) throw new NotFoundError('This invitation link is not valid');
      if (invitation.used_at !== null)
        throw new ConflictError('This invitation link was already used; sign in instead');
      if (Number(invitation.expires_at) <= now)
        throw new ConflictError('This invitation link has expired; ask for a new one');
      const member = await this.stores.members.getById(tx, invitation.member_id);
      if (member === undefined) throw new NotFoundError('This invitation link is not valid');
      await tx.updateTable('invitations').set({ used_at: now }).where('id', '=', invitation.id).execute();
      await this.stores.members.update(
        tx,
        member,
        {
          ...member.doc,
          _pendingInvite: false,
          firstName: names.firstName ?? member.doc.firstName,
          lastName: names.lastName ?? member.doc.lastName,
        },
        { secret: passwordHash },
      );
      return member.id;
    });
  }
}
