import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../errors/app-errors.js';
import type { RequestOrigin } from '../../http/link-origin.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import { memberGrant } from '../access/permissions.js';
import { diffFields } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import { roleKeysOf } from '../roles/role-ref.js';
import type { MemberStore, RoleStore, TokenStore } from '../stores.js';
import type { Invitations } from './invitations.js';
import { type MemberListRequest, memberPageQuery } from './member-list.js';
import {
  type Member,
  type MemberDoc,
  MemberDocSchema,
  type MemberPost,
  memberFieldRules,
} from './member-model.js';

/** LaunchDarkly caps one invitation request at 50 members. */
export const maxInvites = 50;

export function memberRepresentation(member: StoredDocument<MemberDoc>): Member {
  return {
    _id: member.id,
    _links: { self: { href: `/api/v2/members/${member.id}`, type: 'application/json' } },
    _version: member.version,
    ...member.doc,
    _verified: !member.doc._pendingInvite,
    mfa: 'disabled',
  };
}

function displayName(doc: MemberDoc): string {
  const full = `${doc.firstName} ${doc.lastName}`.trim();
  return full === '' ? doc.email : full;
}

const readOnly = [
  '_id',
  '_links',
  '_version',
  'email',
  '_pendingInvite',
  '_lastSeen',
  'creationDate',
  'firstName',
  'lastName',
  '_verified',
  'mfa',
];

export class MemberService {
  constructor(
    private readonly stores: {
      readonly members: MemberStore;
      readonly roles: RoleStore;
      readonly tokens: TokenStore;
    },
    private readonly changes: ChangeLog,
    private readonly invitations: Invitations,
  ) {}

  async list(request: MemberListRequest): Promise<{ items: Member[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      const page = await this.stores.members.page(tx, memberPageQuery(request));
      return { items: page.items.map(memberRepresentation), totalCount: page.totalCount };
    });
  }

  async get(id: string): Promise<Member> {
    return this.changes.transact(async (tx) => memberRepresentation(await this.load(tx, id)));
  }

  /** Invites every member in the list or none: one bad or duplicate address rejects the request. */
  /** Returns the new members, each with its one-time invitation link (`_inviteUrl`) for `origin`. */
  async invite(
    actor: Actor,
    invites: readonly MemberPost[],
    origin?: RequestOrigin,
  ): Promise<(Member & { _inviteUrl: string })[]> {
    if (invites.length === 0 || invites.length > maxInvites) {
      throw ValidationError.at('/', `invite between 1 and ${maxInvites} members at a time`);
    }
    const seen = new Set<string>();
    invites.forEach((invite, i) => {
      const email = invite.email.toLowerCase();
      if (seen.has(email))
        throw ValidationError.at(`/${i}/email`, `"${invite.email}" appears twice in this request`);
      seen.add(email);
    });
    return this.changes.transact(async (tx, record) => {
      const created: (Member & { _inviteUrl: string })[] = [];
      const now = this.changes.now();
      for (const [i, invite] of invites.entries()) {
        // Named by key or by _id; stored as keys (see role-ref.ts).
        const customRoles = await roleKeysOf(
          tx,
          this.stores.roles,
          invite.customRoles ?? [],
          `/${i}/customRoles`,
        );
        if (invite.role === 'owner') {
          throw ValidationError.at(`/${i}/role`, 'the owner role is never given by invitation');
        }
        const existing = await this.stores.members.getByLookup(tx, invite.email.toLowerCase());
        // LaunchDarkly answers 400 with this code (not 409); scripts that invite idempotently check it.
        if (existing !== undefined)
          throw new BadRequestError(
            'email_already_exists_in_account',
            `/${i}/email: a member with email "${invite.email}" already exists in this account`,
          );
        const id = newId();
        const doc: MemberDoc = {
          email: invite.email,
          firstName: invite.firstName ?? '',
          lastName: invite.lastName ?? '',
          role: invite.role ?? (customRoles.length > 0 ? 'no_access' : 'reader'),
          customRoles,
          _pendingInvite: true,
          _lastSeen: 0,
          creationDate: now,
        };
        await this.checkGrant(tx, actor, doc);
        const stored = await this.stores.members.insert(tx, {
          id,
          scope: '',
          key: id,
          doc,
          createdAt: now + i,
          lookup: invite.email.toLowerCase(),
        });
        const member = memberRepresentation(stored);
        created.push({ ...member, _inviteUrl: await this.invitations.create(tx, id, origin) });
        await record({
          kind: 'member',
          name: displayName(doc),
          actor,
          accesses: [access('createMember', ...resources.member(id, doc.email))],
          titleVerb: 'invited the member',
          sitePath: `/settings/members/${id}`,
          changes: [
            `Invited *${doc.email}* with the role *${doc.role}*${doc.customRoles.length > 0 ? ` and custom roles ${doc.customRoles.map((r) => `*${r}*`).join(', ')}` : ''}`,
          ],
          currentVersion: member,
        });
      }
      return created;
    });
  }

  async update(actor: Actor, id: string, request: PatchRequest): Promise<Member> {
    return this.changes.transact(async (tx, record) => {
      const member = await this.load(tx, id);
      const before = memberRepresentation(member);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, _version, _verified, mfa, ...fields } = patched;
      checkSchema(MemberDocSchema, fields);
      const customRoles = await roleKeysOf(tx, this.stores.roles, fields.customRoles, '/customRoles');
      const doc: MemberDoc = { ...fields, customRoles };
      if (member.doc.role === 'owner' && doc.role !== 'owner') {
        throw ValidationError.at('/role', "the owner's role cannot be changed");
      }
      if (doc.role === 'owner' && member.doc.role !== 'owner') {
        throw ValidationError.at('/role', 'there is one owner; ownership cannot be given through the API');
      }
      const diff = diffFields(member.doc, doc, memberFieldRules);
      if (diff.actions.length === 0) return before;
      await this.checkGrant(tx, actor, doc);
      const updated = await this.stores.members.update(tx, member, doc);
      const after = memberRepresentation(updated);
      await record({
        kind: 'member',
        name: displayName(doc),
        actor,
        comment: request.comment,
        accesses: diff.actions.map((a) => access(a, ...resources.member(id, doc.email))),
        titleVerb: 'updated the member',
        sitePath: `/settings/members/${id}`,
        changes: diff.changes,
        previousVersion: before,
        currentVersion: after,
        delta: request.patch,
      });
      return after;
    });
  }

  /** Removes the member and every access token they own, in the same transaction. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const member = await this.load(tx, id);
      if (member.doc.role === 'owner') throw new ConflictError('The owner cannot be removed');
      if (actor.member._id === id) throw new ConflictError('You cannot remove yourself');
      for (const token of await this.stores.tokens.listAll(tx)) {
        if (token.doc.memberId === id) await this.stores.tokens.delete(tx, token);
      }
      await tx.deleteFrom('sessions').where('member_id', '=', id).execute();
      await tx.deleteFrom('invitations').where('member_id', '=', id).execute();
      await this.stores.members.delete(tx, member);
      await record({
        kind: 'member',
        name: displayName(member.doc),
        actor,
        accesses: [access('deleteMember', ...resources.member(id, member.doc.email))],
        titleVerb: 'removed the member',
        changes: [`Removed *${member.doc.email}* and their access tokens`],
        previousVersion: memberRepresentation(member),
      });
    });
  }

  /**
   * Nobody gives a member more than they have themselves: each custom role must be one the
   * actor holds (unless they hold every right), and what the built-in role and the custom roles
   * hand on must be within the actor's rights (Permissions.covers).
   */
  private async checkGrant(tx: Transaction<Database>, actor: Actor, doc: MemberDoc): Promise<void> {
    const rights = actor.rights;
    if (rights === undefined) return;
    if (!rights.unrestricted) {
      const missing = doc.customRoles.find((key) => !rights.customRoles.includes(key));
      if (missing !== undefined) {
        throw new ForbiddenError(`Nobody may give a custom role they do not hold: "${missing}"`);
      }
    }
    const grant = await memberGrant(tx, this.stores.roles, doc.role, doc.customRoles);
    if (!rights.covers([grant])) {
      const roles =
        doc.customRoles.length === 0 ? '' : ` with the custom roles ${doc.customRoles.join(', ')}`;
      throw new ForbiddenError(
        `Nobody may give more rights than their own: the role "${doc.role}"${roles} grants what you may not do`,
      );
    }
  }

  private async load(tx: Transaction<Database>, id: string): Promise<StoredDocument<MemberDoc>> {
    const member = await this.stores.members.getById(tx, id);
    if (member === undefined) throw new NotFoundError(`Member "${id}" not found`);
    return member;
  }
}
