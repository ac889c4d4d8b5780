import type { Kysely } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { type CompiledPolicy, compilePolicy } from '../../policy/compile-policy.js';
import { isAllowed } from '../../policy/evaluate-policy.js';
import { layersWithin } from '../../policy/policy-containment.js';
import type { Statement } from '../../policy/policy-statement.js';
import type { TaggedResource } from '../../policy/resource.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { remember } from '../../shared/bounded-cache.js';
import type { MemberDoc } from '../members/member-model.js';
import type { RoleStore } from '../roles/role-model.js';
import { findRole } from '../roles/role-ref.js';
import type { TokenDoc } from '../tokens/token-model.js';
import { builtInPolicy, transferablePolicy } from './built-in-roles.js';

/** What a grant is made of: every layer must allow an action (see Permissions). */
export type PolicyLayers = readonly (readonly Statement[])[];

const everything: PolicyLayers = [[{ effect: 'allow', resources: ['*'], actions: ['*'] }]];

/**
 * What a principal may do: every layer must allow an action (a token's own policy AND the
 * current rights of the member it belongs to), so a token never exceeds its member, and a
 * member losing a role takes the right away from their tokens at once.
 */
export class Permissions {
  private readonly layers: readonly CompiledPolicy[];
  /** Whether these rights include every right (admin or owner, through a session or an admin token). */
  readonly unrestricted: boolean;

  constructor(
    /** The statements of each layer, for comparing a grant with these rights. */
    readonly statements: PolicyLayers,
    readonly isAdmin: boolean,
    /** `no_access` without custom roles: may manage their own tokens and nothing else. */
    readonly hasNoAccess: boolean,
    /** The custom roles the member holds (what they may hand on, when not unrestricted). */
    readonly customRoles: readonly string[],
  ) {
    this.layers = statements.map(compilePolicy);
    this.unrestricted = layersWithin(everything, statements);
  }

  can(action: string, resource: TaggedResource): boolean {
    return this.layers.every((layer) => isAllowed(layer, action, resource));
  }

  /**
   * Whether a credential made of `grant` would have no right these lack: the test every token,
   * invitation, role assignment and role policy passes before it is written. Sound, not
   * complete (see policyWithin): it may refuse a grant that is in fact within, never the reverse.
   */
  covers(grant: PolicyLayers): boolean {
    return this.unrestricted || layersWithin(grant, this.statements);
  }
}

/**
 * A member's own layer: their built-in role and their custom roles, as stored now. With
 * `selfId` it is the layer as that member holds it (managing their own tokens included); without,
 * what giving it to someone hands on, to compare with the giver's rights.
 */
export async function memberGrant(
  db: Kysely<Database>,
  roles: RoleStore,
  role: MemberDoc['role'],
  customRoles: readonly string[],
  selfId?: string,
): Promise<Statement[]> {
  const builtIn = selfId === undefined ? transferablePolicy(role) : builtInPolicy(role, selfId);
  return [...builtIn, ...roleStatements(await readRoles(db, roles, customRoles))];
}

/** A token's own layer: its inline policy, else its custom roles, else its built-in role. */
export async function tokenGrant(
  db: Kysely<Database>,
  roles: RoleStore,
  memberId: string,
  doc: Pick<TokenDoc, 'inlineRole' | 'customRoleIds' | 'role'>,
): Promise<Statement[]> {
  if (doc.inlineRole.length > 0) {
    const result = validatePolicy(doc.inlineRole);
    return result.ok ? result.statements : [];
  }
  if (doc.customRoleIds.length > 0) return roleStatements(await readRoles(db, roles, doc.customRoleIds));
  return builtInPolicy(doc.role ?? 'reader', memberId);
}

type RoleDoc = { policy?: unknown };

/**
 * The custom roles named, as stored now (a missing role grants nothing). Members and tokens
 * hold keys, but a role named by its `_id` is the same role here too, so that a grant check and
 * the rights it grants can never see two different things (see role-ref.ts).
 */
async function readRoles(
  db: Kysely<Database>,
  roles: RoleStore,
  refs: readonly string[],
): Promise<{ key: string; version: number; doc: RoleDoc | undefined }[]> {
  const found = [];
  for (const ref of refs) {
    const role = await findRole(db, roles, ref);
    found.push({ key: role?.key ?? ref, version: role?.version ?? 0, doc: role?.doc as RoleDoc | undefined });
  }
  return found;
}

function roleStatements(roles: readonly { doc: RoleDoc | undefined }[]): Statement[] {
  const statements: Statement[] = [];
  for (const role of roles) {
    const result = validatePolicy(role.doc?.policy ?? []);
    if (result.ok) statements.push(...result.statements);
  }
  return statements;
}

/**
 * Compiled permissions by the exact versions they were compiled from: every request of a token
 * reads its token, member and roles (so a change applies to the very next request), but parses
 * and compiles their policies only when one of them changed. Bounded, oldest out first.
 */
const compiled = new Map<string, Permissions>();
const compiledKept = 1_000;

export async function permissionsFor(
  db: Kysely<Database>,
  roles: RoleStore,
  member: StoredDocument<MemberDoc>,
  token?: StoredDocument<TokenDoc>,
): Promise<Permissions> {
  const memberRoles = await readRoles(db, roles, member.doc.customRoles);
  const usesTokenRoles =
    token !== undefined && token.doc.inlineRole.length === 0 && token.doc.customRoleIds.length > 0;
  const tokenRoles = usesTokenRoles ? await readRoles(db, roles, token.doc.customRoleIds) : [];
  const key = [
    `${member.id}:${member.version}`,
    token === undefined ? '-' : `${token.id}:${token.version}`,
    ...memberRoles.map((r) => `${r.key}:${r.version}`),
    '|',
    ...tokenRoles.map((r) => `${r.key}:${r.version}`),
  ].join(' ');
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;

  const m = member.doc;
  const layers: Statement[][] = [[...builtInPolicy(m.role, member.id), ...roleStatements(memberRoles)]];
  if (token !== undefined) {
    layers.push(
      token.doc.inlineRole.length === 0 && usesTokenRoles
        ? roleStatements(tokenRoles)
        : await tokenGrant(db, roles, member.id, token.doc),
    );
  }
  const admin =
    (m.role === 'admin' || m.role === 'owner') &&
    (token === undefined || token.doc.role === 'admin' || token.doc.role === 'owner');
  const permissions = new Permissions(
    layers,
    admin,
    m.role === 'no_access' && m.customRoles.length === 0,
    m.customRoles,
  );
  return remember(compiled, key, permissions, compiledKept);
}
