import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import {
  ConflictError,
  type FieldProblem,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../errors/app-errors.js';
import type { Paging } from '../../http/list-query.js';
import type { Statement } from '../../policy/policy-statement.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { jsonEqual } from '../../shared/json-equal.js';
import {
  applyPatchRequest,
  assertUnchanged,
  type PatchRequest,
  patchDelta,
} from '../../shared/json-patch.js';
import { diffFields } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import type { MemberStore, RoleStore, TokenStore } from '../stores.js';
import {
  type PolicyStatement,
  type Role,
  type RoleDoc,
  RoleDocSchema,
  type RolePost,
  roleFieldRules,
  toPolicyStatement,
} from './role-model.js';
import { findRole } from './role-ref.js';

export function roleRepresentation(role: StoredDocument<RoleDoc>): Role {
  return {
    _id: role.id,
    key: role.key,
    _version: role.version,
    _links: { self: { href: `/api/v2/roles/${role.key}`, type: 'application/json' } },
    ...role.doc,
  };
}

const readOnly = ['_id', 'key', '_version', '_links'];

const underPolicy = (issue: FieldProblem): FieldProblem => ({
  pointer: `/policy${issue.pointer}`,
  message: issue.message,
});

/** Runs the policy engine's validator; pointers are made relative to the role (`/policy/0/…`). */
function checkPolicy(input: unknown): { policy: PolicyStatement[]; warnings: FieldProblem[] } {
  const result = validatePolicy(input);
  if (!result.ok) throw new ValidationError(result.errors.map(underPolicy));
  return { policy: result.statements.map(toPolicyStatement), warnings: result.warnings.map(underPolicy) };
}

function withWarnings(role: Role, warnings: readonly FieldProblem[]): Role {
  return warnings.length === 0 ? role : { ...role, _warnings: [...warnings] };
}

const statementCount = (n: number) => `${n} policy statement${n === 1 ? '' : 's'}`;

export class RoleService {
  constructor(
    private readonly stores: {
      readonly members: MemberStore;
      readonly roles: RoleStore;
      readonly tokens: TokenStore;
    },
    private readonly changes: ChangeLog,
  ) {}

  async list(page: Paging): Promise<{ items: Role[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      const found = await this.stores.roles.page(tx, { scope: '', ...page });
      return { items: found.items.map(roleRepresentation), totalCount: found.totalCount };
    });
  }

  async get(key: string): Promise<Role> {
    return this.changes.transact(async (tx) => roleRepresentation(await this.load(tx, key)));
  }

  async create(actor: Actor, input: RolePost): Promise<Role> {
    const { policy, warnings } = checkPolicy(input.policy);
    return this.changes.transact(async (tx, record) => {
      const now = this.changes.now();
      const doc: RoleDoc = {
        name: input.name,
        description: input.description ?? '',
        policy,
        basePermissions: input.basePermissions,
      };
      checkGrant(actor, [], policy);
      const role = await this.stores.roles.insert(tx, {
        id: newId(),
        scope: '',
        key: input.key,
        doc,
        createdAt: now,
      });
      const current = roleRepresentation(role);
      await record({
        ...this.context(role.key, doc),
        actor,
        accesses: [access('createRole', ...resources.role(role.key))],
        titleVerb: 'created the role',
        changes: [`Created the role with ${statementCount(policy.length)}`],
        currentVersion: current,
      });
      return withWarnings(current, warnings);
    });
  }

  async update(actor: Actor, ref: string, request: PatchRequest): Promise<Role> {
    return this.changes.transact(async (tx, record) => {
      const role = await this.load(tx, ref);
      const key = role.key;
      const before = roleRepresentation(role);
      const patched = applyPatchRequest(before, request);
      assertUnchanged(before, patched, readOnly);
      const { _id, key: _k, _version, _links, ...fields } = patched;
      const { policy, warnings } = checkPolicy(fields.policy);
      const doc: RoleDoc = { ...fields, policy };
      checkSchema(RoleDocSchema, doc);
      const diff = diffFields(role.doc, doc, roleFieldRules);
      if (diff.actions.length === 0) return withWarnings(before, warnings);
      checkGrant(actor, role.doc.policy, policy);
      const updated = await this.stores.roles.update(tx, role, doc);
      const after = roleRepresentation(updated);
      await record({
        ...this.context(key, doc),
        actor,
        comment: request.comment,
        accesses: diff.actions.map((a) => access(a, ...resources.role(key))),
        titleVerb: 'updated the role',
        changes: diff.changes,
        previousVersion: before,
        currentVersion: after,
        delta: patchDelta(request),
      });
      return withWarnings(after, warnings);
    });
  }

  async delete(actor: Actor, ref: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const role = await this.load(tx, ref);
      const key = role.key;
      // A role still assigned would silently vanish from someone's rights; make it explicit.
      const members = (await this.stores.members.listAll(tx)).filter((m) => m.doc.customRoles.includes(key));
      const tokens = (await this.stores.tokens.listAll(tx)).filter((t) => t.doc.customRoleIds.includes(key));
      if (members.length > 0 || tokens.length > 0) {
        const holders = [...members.map((m) => m.doc.email), ...tokens.map((t) => `token "${t.doc.name}"`)];
        throw new ConflictError(
          `Role "${key}" is still assigned to ${holders.join(', ')}; unassign it first`,
        );
      }
      await this.stores.roles.delete(tx, role);
      await record({
        ...this.context(key, role.doc),
        sitePath: undefined,
        actor,
        comment,
        accesses: [access('deleteRole', ...resources.role(key))],
        titleVerb: 'deleted the role',
        changes: ['Deleted the role'],
        previousVersion: roleRepresentation(role),
      });
    });
  }

  /** The parts of an audit entry every role change shares. */
  private context(key: string, doc: RoleDoc) {
    return { kind: 'role', name: doc.name, sitePath: `/settings/roles/${key}` };
  }

  /** The role `ref` names, by key or by `_id`, as LaunchDarkly takes either. */
  private async load(tx: Transaction<Database>, ref: string): Promise<StoredDocument<RoleDoc>> {
    const role = await findRole(tx, this.stores.roles, ref);
    if (role === undefined) throw new NotFoundError(`Role "${ref}" not found`);
    return role;
  }
}

/**
 * A role's policy reaches whoever holds it, the author included, so nobody writes one that
 * grants what they may not do themselves. Lifting a deny widens what the role's other
 * statements and the holders' other roles allow, which cannot be bounded by the new policy
 * alone: only someone holding every right may remove or change a deny.
 */
function checkGrant(
  actor: Actor,
  previous: readonly PolicyStatement[],
  next: readonly PolicyStatement[],
): void {
  const rights = actor.rights;
  if (rights === undefined || rights.unrestricted) return;
  if (!rights.covers([next as readonly Statement[]])) {
    throw new ForbiddenError('Nobody may write a role that grants more than their own rights');
  }
  const kept = (deny: PolicyStatement) => next.some((s) => jsonEqual(s, deny));
  if (previous.some((s) => s.effect === 'deny' && !kept(s))) {
    throw new ForbiddenError('Only someone holding every right may lift a deny from a role');
  }
}
