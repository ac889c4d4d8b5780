import { ForbiddenError } from '../../errors/app-errors.js';
import { formatResource } from '../../policy/resource.js';
import type { Actor, TaggedAccess } from '../audit/audit-model.js';

/**
 * Refuses, naming the first access the actor may not perform; the system itself may do all.
 * Every check goes through here: a route's read, a route's fixed write, and each access of a
 * recorded change.
 */
export function assertAllowed(actor: Actor, accesses: readonly TaggedAccess[]): void {
  const can = actor.can;
  if (can === undefined) return;
  for (const a of accesses) {
    if (!can(a.action, a.resource))
      throw new ForbiddenError(`Not allowed: ${a.action} on ${formatResource(a.resource)}`);
  }
}

/** What authorizing a change looks at. */
export interface ChangeAccesses {
  readonly actor: Actor;
  readonly accesses: readonly TaggedAccess[];
  /** The changed resource's tags after the change, when they change. */
  readonly newTags?: readonly string[] | undefined;
}

/**
 * Authorization is the audit entry's own accesses: exactly the actions and resources the change
 * performs (one per environment for flag-wide changes), so nothing is unchecked. Against the
 * resource as it was, so a tag cannot be added to gain a right or removed to escape a deny in
 * the same change; tag changes also as it will be. A dry run calls this alone.
 */
export function authorizeChange(change: ChangeAccesses): void {
  assertAllowed(change.actor, change.accesses);
  if (change.newTags !== undefined) assertAllowed(change.actor, withNewTags(change.accesses, change.newTags));
}

/** The `updateTags` accesses again, on the resource (the last segment) with its new tags. */
export function withNewTags(accesses: readonly TaggedAccess[], tags: readonly string[]): TaggedAccess[] {
  return accesses
    .filter((a) => a.action === 'updateTags' && a.resource.length > 0)
    .map((a) => {
      const last = a.resource[a.resource.length - 1] as TaggedAccess['resource'][number];
      return { action: a.action, resource: [...a.resource.slice(0, -1), { ...last, tags: [...tags] }] };
    });
}
