import { mdValue } from '../audit/audit-builder.js';
import type { Clause } from '../flags/flag-model.js';
import type { SegmentRule } from './segment-model.js';

function clauseText(clause: Clause): string {
  return `${mdValue(clause.attribute)} ${clause.negate ? 'not ' : ''}${clause.op} ${mdValue(clause.values)}`;
}

/** `*email* endsWith *@acme.com* and *plan* in *pro* (50%)` */
export function ruleText(rule: SegmentRule): string {
  const clauses = rule.clauses.length === 0 ? 'every context' : rule.clauses.map(clauseText).join(' and ');
  const weight = rule.weight === undefined ? '' : ` (${rule.weight / 1000}%)`;
  const bucketBy = rule.bucketBy === undefined ? '' : ` bucketed by ${mdValue(rule.bucketBy)}`;
  return `${clauses}${weight}${bucketBy}`;
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
