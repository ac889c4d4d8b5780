import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type CompiledPolicy, compilePolicy } from '../../policy/compile-policy.js';
import { isAllowed } from '../../policy/evaluate-policy.js';
import type { Statement } from '../../policy/policy-statement.js';
import type { TaggedResource } from '../../policy/resource.js';
import { validatePolicy } from '../../policy/validate-policy.js';
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

async function customRoleStatements(
  db: Kysely<Database>,
  stores: Stores,
  keys: readonly string[],
): Promise<Statement[]> {
  const statements: Statement[] = [];
  for (const key of keys) {
    const role = await stores.roles.get(db, '', key);
    const result = validatePolicy((role?.doc as { policy?: unknown } | undefined)?.policy ?? []);
    if (result.ok) statements.push(...result.statements);
  }
  return statements;
}

export async function memberPolicy(
  db: Kysely<Database>,
  stores: Stores,
  memberId: string,
  member: MemberDoc,
): Promise<Statement[]> {
  return [
    ...builtInPolicy(member.role, memberId),
    ...(await customRoleStatements(db, stores, member.customRoles)),
  ];
}

export async function permissionsFor(
  db: Kysely<Database>,
  stores: Stores,
  memberId: string,
  member: MemberDoc,
  token?: TokenDoc,
): Promise<Permissions> {
  const layers = [compilePolicy(await memberPolicy(db, stores, memberId, member))];
  if (token !== undefined) {
    let own: Statement[];
    if (token.inlineRole.length > 0) {
      const result = validatePolicy(token.inlineRole);
      own = result.ok ? result.statements : [];
    } else if (token.customRoleIds.length > 0) {
      own = await customRoleStatements(db, stores, token.customRoleIds);
    } else {
      own = builtInPolicy(token.role ?? 'reader', memberId);
    }
    layers.push(compilePolicy(own));
  }
  const admin =
    (member.role === 'admin' || member.role === 'owner') &&
    (token === undefined || token.role === 'admin' || token.role === 'owner');
  return new Permissions(layers, admin, member.role === 'no_access' && member.customRoles.length === 0);
}
