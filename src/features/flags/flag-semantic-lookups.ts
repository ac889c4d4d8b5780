import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FlagStore, MemberStore } from '../stores.js';
import type { Dependent, SemanticLookups } from './flag-semantic-context.js';
import { type SemanticPatch, semanticLookupsNeeded } from './flag-semantic-patch.js';

/**
 * Reads, in the use case's transaction, what a semantic patch's instructions refer to outside
 * the flag: other flags' variation ids (prerequisites), members (maintainer), and other flags'
 * prerequisites on this one (removing a variation). Only what the instructions name.
 */
export async function gatherSemanticLookups(
  stores: { readonly flags: FlagStore; readonly members: MemberStore },
  tx: Transaction<Database>,
  projectKey: string,
  flagKey: string,
  patch: SemanticPatch,
): Promise<SemanticLookups> {
  const needed = semanticLookupsNeeded(patch);
  const variationIds = new Map<string, (string | undefined)[]>();
  for (const key of needed.flagKeys) {
    const other = await stores.flags.get(tx, projectKey, key);
    if (other !== undefined)
      variationIds.set(
        key,
        other.doc.variations.map((v) => v._id),
      );
  }
  const members = new Set<string>();
  for (const id of needed.memberIds)
    if ((await stores.members.getById(tx, id)) !== undefined) members.add(id);
  const dependents: Dependent[] = [];
  if (needed.dependents) {
    for (const other of await stores.flags.list(tx, projectKey)) {
      if (other.key === flagKey) continue;
      for (const [envKey, env] of Object.entries(other.doc.environments))
        for (const p of env.prerequisites)
          if (p.key === flagKey) dependents.push({ flagKey: other.key, envKey, variation: p.variation });
    }
  }
  return {
    variationIdsOf: (key) => variationIds.get(key),
    isMember: (id) => members.has(id),
    dependents,
  };
}
