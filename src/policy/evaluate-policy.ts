import { type CompiledPolicy, type CompiledStatement, matchAction } from './compile-policy.js';
import type { TaggedAccess, TaggedResource } from './resource.js';
import { compileResourcePattern, matchResource } from './resource-pattern.js';
import { parseSpecifier } from './resource-specifier.js';

/**
 * The decision for one (action, resource): denied if any applicable statement denies, else
 * allowed if any allows, else denied. Allows are checked first because most accesses a
 * notification filter sees match no allow at all, and then the denies need not be looked at.
 * Allocates nothing and parses nothing.
 */
export function isAllowed(policy: CompiledPolicy, action: string, resource: TaggedResource): boolean {
  const allow = policy.allow;
  let allowed = false;
  for (let i = 0; i < allow.length && !allowed; i++) allowed = statementApplies(allow[i]!, action, resource);
  if (!allowed) return false;
  const deny = policy.deny;
  for (let i = 0; i < deny.length; i++) if (statementApplies(deny[i]!, action, resource)) return false;
  return true;
}

/**
 * The notification-filter question for one audit entry: no policy (null or no statements)
 * hears everything; otherwise the entry is delivered when at least one access is allowed. A role
 * with an empty policy grants nothing; that use goes through `isAllowed`, never through here.
 */
export function matchesEntry(policy: CompiledPolicy | null, accesses: readonly TaggedAccess[]): boolean {
  if (policy === null || policy.size === 0) return true;
  for (let i = 0; i < accesses.length; i++) {
    const access = accesses[i]!;
    if (isAllowed(policy, access.action, access.resource)) return true;
  }
  return false;
}

/**
 * Compiles one resource specifier (the audit log's `?spec=`) into a predicate. Throws on a
 * malformed specifier; check it with `validateSpecifier` first to answer 400.
 */
export function compileSpecifier(spec: string): (resource: TaggedResource) => boolean {
  const parsed = parseSpecifier(spec);
  if (!parsed.ok) throw new Error(`invalid resource specifier "${spec}": ${parsed.message}`);
  const pattern = compileResourcePattern(parsed.specifier, spec);
  return (resource) => matchResource(pattern, resource);
}

/** Whether one statement applies to (action, resource), whatever its effect. */
export function statementApplies(
  statement: CompiledStatement,
  action: string,
  resource: TaggedResource,
): boolean {
  if (matchAction(statement.actions, action) === statement.negateActions) return false;
  return matchesAnyResource(statement.resources, resource) !== statement.negateResources;
}

function matchesAnyResource(patterns: CompiledStatement['resources'], resource: TaggedResource): boolean {
  for (let i = 0; i < patterns.length; i++) if (matchResource(patterns[i]!, resource)) return true;
  return false;
}
