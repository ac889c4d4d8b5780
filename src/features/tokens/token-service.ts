import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors/app-errors.js';
import type { Paging } from '../../http/list-query.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import { hashToken } from '../../shared/token-hash.js';
import { roleRank } from '../access/built-in-roles.js';
import { memberGrant, tokenGrant } from '../access/permissions.js';
import { diffFields } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import { roleKeysOf } from '../roles/role-ref.js';
import type { MemberStore, RoleStore, TokenStore } from '../stores.js';
import { type Token, type TokenDoc, TokenDocSchema, type TokenPost, tokenFieldRules } from './token-model.js';

export function tokenRepresentation(token: StoredDocument<TokenDoc>): Token {
  return {
    _id: token.id,
    _links: { self: { href: `/api/v2/tokens/${token.id}`, type: 'application/json' } },
    _version: token.version,
    ...token.doc,
    lastModified: token.doc.lastModified ?? token.doc.creationDate,
  };
}

function newSecret(): { secret: string; masked: string } {
  const secret = `api-${randomUUID()}`;
  return { secret, masked: `****${secret.slice(-4)}` };
}

/** Whether the actor may read the token: their own, or any for an admin (the system may all). */
export function mayView(actor: Actor, token: Pick<TokenDoc, 'memberId'>): boolean {
  return actor.rights === undefined || actor.rights.isAdmin || token.memberId === actor.member._id;
}

function describeGrant(doc: TokenDoc): string {
  if (doc.inlineRole.length > 0) return 'its inline policy';
  if (doc.customRoleIds.length > 0)
    return `the custom roles ${doc.customRoleIds.map((r) => `"${r}"`).join(', ')}`;
  return `the role "${doc.role ?? 'reader'}"`;
}

const readOnly = [
  '_id',
  '_links',
  '_version',
  'ownerId',
  'memberId',
  'serviceToken',
  'token',
  'creationDate',
  'lastUsed',
  'lastModified',
];

export class TokenService {
  constructor(
    private readonly stores: {
      readonly members: MemberStore;
      readonly roles: RoleStore;
      readonly tokens: TokenStore;
    },
    private readonly changes: ChangeLog,
  ) {}

  /** One page of the tokens `actor` may view (mayView, asked in the database). */
  async list(actor: Actor, page: Paging): Promise<{ items: Token[]; totalCount: number }> {
    const everyone = actor.rights === undefined || actor.rights.isAdmin;
    return this.changes.transact(async (tx) => {
      const found = await this.stores.tokens.page(tx, {
        where: everyone ? [] : [{ field: ['memberId'], equals: actor.member._id }],
        ...page,
      });
      return { items: found.items.map(tokenRepresentation), totalCount: found.totalCount };
    });
  }

  async get(id: string): Promise<Token> {
    return this.changes.transact(async (tx) => tokenRepresentation(await this.load(tx, id)));
  }

  /** The only response that carries the secret: it is stored as a hash and cannot be shown again. */
  async create(actor: Actor, input: TokenPost): Promise<Token> {
    return this.changes.transact(async (tx, record) => {
      const { secret, masked } = newSecret();
      const id = newId();
      const now = this.changes.now();
      const doc: TokenDoc = {
        ownerId: actor.member._id,
        memberId: actor.member._id,
        name: input.name,
        description: input.description ?? '',
        ...(input.role === undefined && input.customRoleIds === undefined && input.inlineRole === undefined
          ? { role: 'reader' as const }
          : input.role === undefined
            ? {}
            : { role: input.role }),
        // Named by key or by _id; stored as keys (see role-ref.ts).
        customRoleIds: await roleKeysOf(tx, this.stores.roles, input.customRoleIds ?? [], '/customRoleIds'),
        inlineRole: input.inlineRole ?? [],
        serviceToken: input.serviceToken ?? false,
        defaultApiVersion: input.defaultApiVersion ?? 20240415,
        token: masked,
        creationDate: now,
        lastUsed: 0,
        lastModified: now,
      };
      await this.checkRights(tx, doc);
      await this.checkNotAbove(tx, actor, doc);
      const stored = await this.stores.tokens.insert(tx, {
        id,
        scope: '',
        key: id,
        doc,
        createdAt: now,
        lookup: hashToken(secret),
      });
      const representation = tokenRepresentation(stored);
      await record({
        kind: 'token',
        name: doc.name,
        actor,
        accesses: [access('createAccessToken', ...this.resource(doc, id))],
        titleVerb: 'created the access token',
        sitePath: `/settings/tokens/${id}`,
        changes: [`Created the ${doc.serviceToken ? 'service' : 'personal'} access token *${doc.name}*`],
        currentVersion: representation,
      });
      return { ...representation, token: secret };
    });
  }

  async update(actor: Actor, id: string, request: PatchRequest): Promise<Token> {
    return this.changes.transact(async (tx, record) => {
      const token = await this.load(tx, id, actor);
      const before = tokenRepresentation(token);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, _version, lastModified, ...fields } = patched;
      checkSchema(TokenDocSchema, fields);
      const customRoleIds = await roleKeysOf(tx, this.stores.roles, fields.customRoleIds, '/customRoleIds');
      const doc: TokenDoc = { ...fields, customRoleIds, lastModified };
      await this.checkRights(tx, doc);
      await this.checkNotAbove(tx, actor, doc);
      const diff = diffFields(token.doc, doc, tokenFieldRules);
      if (diff.actions.length === 0) return before;
      const updated = await this.stores.tokens.update(tx, token, {
        ...doc,
        lastModified: this.changes.now(),
      });
      const after = tokenRepresentation(updated);
      await record({
        kind: 'token',
        name: doc.name,
        actor,
        comment: request.comment,
        accesses: diff.actions.map((a) => access(a, ...this.resource(doc, id))),
        titleVerb: 'updated the access token',
        sitePath: `/settings/tokens/${id}`,
        changes: diff.changes,
        previousVersion: before,
        currentVersion: after,
        delta: request.patch,
      });
      return after;
    });
  }

  /** Replaces the secret; the old one stops working at once. */
  async reset(actor: Actor, id: string): Promise<Token> {
    return this.changes.transact(async (tx, record) => {
      const token = await this.load(tx, id, actor);
      const { secret, masked } = newSecret();
      const doc = { ...token.doc, token: masked, lastModified: this.changes.now() };
      const updated = await this.stores.tokens.update(tx, token, doc, { lookup: hashToken(secret) });
      await record({
        kind: 'token',
        name: doc.name,
        actor,
        accesses: [access('resetAccessToken', ...this.resource(doc, id))],
        titleVerb: 'reset the access token',
        sitePath: `/settings/tokens/${id}`,
        changes: ['Replaced the secret; the previous one no longer works'],
      });
      return { ...tokenRepresentation(updated), token: secret };
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const token = await this.load(tx, id, actor);
      await this.stores.tokens.delete(tx, token);
      await record({
        kind: 'token',
        name: token.doc.name,
        actor,
        accesses: [access('deleteAccessToken', ...this.resource(token.doc, id))],
        titleVerb: 'deleted the access token',
        changes: [`Deleted the access token *${token.doc.name}*`],
        previousVersion: tokenRepresentation(token),
      });
    });
  }

  /**
   * A token never has more rights than the credential creating or changing it: not a higher
   * built-in role than its member (LaunchDarkly's rule, with its message), not a custom role the
   * member lacks, and — for a token acting on tokens — nothing its own role, custom roles or
   * inline policy does not grant: the new token's rights (its member's AND its own) must be
   * within the caller's (see Permissions.covers). A session covers its member, so it may create
   * any token its member may; a reader token may create reader tokens and no more.
   */
  private async checkNotAbove(tx: Transaction<Database>, actor: Actor, doc: TokenDoc): Promise<void> {
    const member = await this.stores.members.getById(tx, doc.memberId);
    if (member === undefined) throw new NotFoundError(`Member "${doc.memberId}" not found`);
    const mine = member.doc.role;
    if (doc.role !== undefined && roleRank[doc.role] > roleRank[mine]) {
      throw new ForbiddenError(
        `A token cannot have more rights than its member: role "${doc.role}" is above the role "${mine}"`,
      );
    }
    if (mine !== 'admin' && mine !== 'owner') {
      const missing = doc.customRoleIds.find((key) => !member.doc.customRoles.includes(key));
      if (missing !== undefined) {
        throw new ForbiddenError(
          `A token cannot have more rights than its member: they do not hold the custom role "${missing}"`,
        );
      }
    }
    const rights = actor.rights;
    if (rights === undefined) return;
    const grant = [
      await memberGrant(tx, this.stores.roles, mine, member.doc.customRoles, member.id),
      await tokenGrant(tx, this.stores.roles, member.id, doc),
    ];
    if (!rights.covers(grant)) {
      throw new ForbiddenError(
        `A token cannot have more rights than the credential that creates it: ${describeGrant(doc)} ` +
          `grants what this ${actor.token === undefined ? 'session' : 'token'} may not do`,
      );
    }
  }

  private resource(doc: TokenDoc, id: string) {
    return doc.serviceToken ? resources.serviceToken(id) : resources.token(doc.memberId, id);
  }

  private async checkRights(tx: Transaction<Database>, doc: TokenDoc): Promise<void> {
    for (const [i, key] of doc.customRoleIds.entries()) {
      if ((await this.stores.roles.get(tx, '', key)) === undefined) {
        throw ValidationError.at(`/customRoleIds/${i}`, `no custom role "${key}"`);
      }
    }
    if (doc.inlineRole.length > 0) {
      const result = validatePolicy(doc.inlineRole);
      if (!result.ok) {
        throw new ValidationError(
          result.errors.map((e) => ({ pointer: `/inlineRole${e.pointer}`, message: e.message })),
        );
      }
    }
  }

  /**
   * With an actor: only a token they may see, their own or any for an admin (as a GET of it),
   * so that a write that fails or changes nothing tells nothing about someone else's token.
   */
  private async load(
    tx: Transaction<Database>,
    id: string,
    actor?: Actor,
  ): Promise<StoredDocument<TokenDoc>> {
    const token = await this.stores.tokens.getById(tx, id);
    if (token === undefined || (actor !== undefined && !mayView(actor, token.doc))) {
      throw new NotFoundError(`Access token "${id}" not found`);
    }
    return token;
  }
}
