import type { Kysely } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { type CompiledPolicy, compilePolicy } from '../../policy/compile-policy.js';
import { isAllowed } from '../../policy/evaluate-policy.js';
import type { Statement } from '../../policy/policy-statement.js';
import type { TaggedResource } from '../../policy/resource.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import { remember } from '../../shared/bounded-cache.js';
import type { MemberDoc } from '../members/member-model.js';
import type { Stores } from '../stores.js';
import type { TokenDoc } from '../tokens/token-model.js';
import { builtInPolicy } from './built-in-roles.js';

/**
 * What a principal may do: every layer must allow an action (a token's own policy AND the
 * current rights of the member it belongs to), so a token never exceeds its member, and a
 * member losing a role takes the right away from their tokens at once.
 */
export class Permissions {
  constructor(
    private readonly layers: readonly CompiledPolicy[],
    readonly isAdmin: boolean,
    /** `no_access` without custom roles: may manage their own tokens and nothing else. */
    readonly hasNoAccess: boolean,
  ) {}

  can(action: string, resource: TaggedResource): boolean {
    return this.layers.every((layer) => isAllowed(layer, action, resource));
  }
}

type RoleDoc = { policy?: unknown };

/** The custom roles named, as stored now (a missing role grants nothing). */
async function readRoles(
  db: Kysely<Database>,
  stores: Stores,
  keys: readonly string[],
): Promise<{ key: string; version: number; doc: RoleDoc | undefined }[]> {
  const roles = [];
  for (const key of keys) {
    const role = await stores.roles.get(db, '', key);
    roles.push({ key, version: role?.version ?? 0, doc: role?.doc as RoleDoc | undefined });
  }
  return roles;
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
  stores: Stores,
  member: StoredDocument<MemberDoc>,
  token?: StoredDocument<TokenDoc>,
): Promise<Permissions> {
  const memberRoles = await readRoles(db, stores, member.doc.customRoles);
  const usesTokenRoles =
    token !== undefined && token.doc.inlineRole.length === 0 && token.doc.customRoleIds.length > 0;
  const tokenRoles = usesTokenRoles ? await readRoles(db, stores, token.doc.customRoleIds) : [];
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
  const layers = [compilePolicy([...builtInPolicy(m.role, member.id), ...roleStatements(memberRoles)])];
  if (token !== undefined) {
    let own: Statement[];
    if (token.doc.inlineRole.length > 0) {
      const result = validatePolicy(token.doc.inlineRole);
      own = result.ok ? result.statements : [];
    } else if (usesTokenRoles) {
      own = roleStatements(tokenRoles);
    } else {
      own = builtInPolicy(token.doc.role ?? 'reader', member.id);
    }
    layers.push(compilePolicy(own));
  }
  const admin =
    (m.role === 'admin' || m.role === 'owner') &&
    (token === undefined || token.doc.role === 'admin' || token.doc.role === 'owner');
  const permissions = new Permissions(layers, admin, m.role === 'no_access' && m.customRoles.length === 0);
  return remember(compiled, key, permissions, compiledKept);
}
