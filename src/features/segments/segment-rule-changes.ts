import { mdValue } from '../audit/audit-builder.js';
import type { Clause } from '../flags/flag-model.js';
import type { SegmentDoc, SegmentRule, SegmentTarget } from './segment-model.js';

function clauseText(clause: Clause): string {
  const kind =
    clause.contextKind === undefined || clause.contextKind === 'user'
      ? ''
      : `${mdValue(clause.contextKind)} `;
  return `${kind}${mdValue(clause.attribute)} ${clause.negate ? 'not ' : ''}${clause.op} ${mdValue(clause.values)}`;
}

/** `*email* endsWith *@acme.com* and *plan* in *pro* (50%)` */
export function ruleText(rule: SegmentRule): string {
  const clauses = rule.clauses.length === 0 ? 'every context' : rule.clauses.map(clauseText).join(' and ');
  const weight = rule.weight === undefined ? '' : ` (${rule.weight / 1000}%)`;
  const bucketBy = rule.bucketBy === undefined ? '' : ` bucketed by ${mdValue(rule.bucketBy)}`;
  const kind =
    rule.rolloutContextKind === undefined ? '' : ` of ${mdValue(rule.rolloutContextKind)} contexts`;
  return `${clauses}${weight}${bucketBy}${kind}`;
}

/**
 * Describes rule edits one rule at a time (matched by `_id`), so a notification says which rule
 * changed instead of dumping both lists.
 */
export function describeRuleChanges(before: readonly SegmentRule[], after: readonly SegmentRule[]): string[] {
  const lines: string[] = [];
  const was = new Map(before.map((r) => [r._id, r]));
  const now = new Map(after.map((r) => [r._id, r]));
  for (const rule of before) {
    if (!now.has(rule._id)) lines.push(`Removed the rule ${ruleText(rule)}`);
  }
  for (const rule of after) {
    const old = was.get(rule._id);
    if (old === undefined) lines.push(`Added the rule ${ruleText(rule)}`);
    else if (JSON.stringify(old) !== JSON.stringify(rule)) {
      lines.push(`Changed the rule ${ruleText(old)} to ${ruleText(rule)}`);
    }
  }
  if (lines.length === 0 && JSON.stringify(before) !== JSON.stringify(after))
    lines.push('Reordered the rules');
  return lines;
}

function keysByKind(targets: readonly SegmentTarget[] | undefined): Map<string, string[]> {
  const byKind = new Map<string, string[]>();
  for (const t of targets ?? [])
    byKind.set(t.contextKind, [...(byKind.get(t.contextKind) ?? []), ...t.values]);
  return byKind;
}

/**
 * Targets of other context kinds, described per kind (`Added *o1* to the included *org*
 * targets`), with LaunchDarkly's actions `updateIncluded` / `updateExcluded`.
 */
export function describeContextTargetChanges(
  before: SegmentDoc,
  after: SegmentDoc,
): { actions: string[]; changes: string[] } {
  const actions: string[] = [];
  const changes: string[] = [];
  const sides = [
    { field: 'includedContexts', action: 'updateIncluded', label: 'included' },
    { field: 'excludedContexts', action: 'updateExcluded', label: 'excluded' },
  ] as const;
  for (const { field, action, label } of sides) {
    const was = keysByKind(before[field]);
    const now = keysByKind(after[field]);
    const lines: string[] = [];
    for (const kind of new Set([...was.keys(), ...now.keys()])) {
      const old = was.get(kind) ?? [];
      const current = now.get(kind) ?? [];
      const added = current.filter((k) => !old.includes(k));
      const removed = old.filter((k) => !current.includes(k));
      const where = `the ${label} ${mdValue(kind)} targets`;
      if (added.length > 0) lines.push(`Added ${mdValue(added)} to ${where}`);
      if (removed.length > 0) lines.push(`Removed ${mdValue(removed)} from ${where}`);
    }
    if (lines.length === 0 && JSON.stringify(before[field] ?? []) !== JSON.stringify(after[field] ?? []))
      lines.push(`Reordered the ${label} targets of other context kinds`);
    if (lines.length > 0) actions.push(action);
    changes.push(...lines);
  }
  return { actions, changes };
}
