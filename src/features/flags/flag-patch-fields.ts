import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../errors/app-errors.js';
import type { PatchOperation } from '../../shared/json-patch.js';
import type { MemberStore } from '../stores.js';
import type { Flag, FlagDoc } from './flag-model.js';

// Fields a flag may not have until someone sets them: the maintainer, a variation's name or
// description. Scripts written for LaunchDarkly set them with `replace`, which JSON Patch refuses
// on a missing member; applied as `add`, which is the same change when the member exists.
const optionalFields = [/^\/maintainerId$/, /^\/variations\/(\d+)\/(name|description)$/];

/** The patch with each `replace` of an optional field the flag lacks turned into an `add`. */
export function withOptionalFieldsAdded(before: Flag, patch: readonly PatchOperation[]): PatchOperation[] {
  return patch.map((op) => {
    if (op.op !== 'replace' || !optionalFields.some((re) => re.test(op.path))) return op;
    const [, first, index, name] = op.path.split('/');
    const holder: unknown = first === 'maintainerId' ? before : before.variations[Number(index)];
    if (typeof holder !== 'object' || holder === null) return op;
    const field = first === 'maintainerId' ? 'maintainerId' : (name as string);
    return Object.hasOwn(holder, field) ? op : { ...op, op: 'add' };
  });
}

/** A new maintainer must be a member of the account (one who has left may stay until changed). */
export async function assertMaintainer(
  stores: { readonly members: MemberStore },
  tx: Transaction<Database>,
  before: Pick<FlagDoc, 'maintainerId'> | undefined,
  after: Pick<FlagDoc, 'maintainerId'>,
): Promise<void> {
  const id = after.maintainerId;
  if (id === undefined || id === before?.maintainerId) return;
  if ((await stores.members.getById(tx, id)) === undefined)
    throw ValidationError.at('/maintainerId', `no member has the id "${id}"`);
}
