import type { Kysely } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../errors/app-errors.js';
import type { RoleDoc, RoleStore } from './role-model.js';

const idPattern = /^[0-9a-f]{24}$/;

/**
 * A custom role named as LaunchDarkly lets one name it: by its key or by its `_id`. The key wins
 * when a role's key happens to be another role's id (a key is what policies and members hold).
 */
export async function findRole(
  db: Kysely<Database>,
  roles: RoleStore,
  ref: string,
): Promise<StoredDocument<RoleDoc> | undefined> {
  const byKey = await roles.get(db, '', ref);
  if (byKey !== undefined || !idPattern.test(ref)) return byKey;
  const byId = await roles.getById(db, ref);
  return byId?.scope === '' ? byId : undefined;
}

/**
 * The keys of the roles `refs` name (keys or ids), in order and without repeats: members and
 * tokens store keys, whichever way a request named the roles, so every check and every grant
 * sees one name for one role. An unknown one is a 400 at `pointer/i`.
 */
export async function roleKeysOf(
  db: Kysely<Database>,
  roles: RoleStore,
  refs: readonly string[],
  pointer: string,
): Promise<string[]> {
  const keys: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const role = await findRole(db, roles, ref);
    if (role === undefined) throw ValidationError.at(`${pointer}/${i}`, `no custom role "${ref}"`);
    if (!keys.includes(role.key)) keys.push(role.key);
  }
  return keys;
}
