import { jsonEqual } from '../../shared/json-equal.js';
import { mdValue } from '../audit/audit-builder.js';
import type { Variation } from './flag-model.js';

/**
 * Variation edits one variation at a time, matched by `_id` (semantic patch and JSON patch both
 * keep it), so a renamed variation reads as a rename rather than two identical value lists.
 */
export function describeVariationChanges(
  before: readonly Variation[],
  after: readonly Variation[],
): string[] {
  const lines: string[] = [];
  const was = new Map(before.filter((v) => v._id !== undefined).map((v) => [v._id, v]));
  const now = new Set(after.map((v) => v._id));
  for (const v of after) {
    const old = v._id === undefined ? undefined : was.get(v._id);
    if (old === undefined) {
      lines.push(`Added the variation ${mdValue(v.value)}${v.name ? ` (${mdValue(v.name)})` : ''}`);
      continue;
    }
    if (!jsonEqual(old.value, v.value))
      lines.push(`Changed the variation value ${mdValue(old.value)} to ${mdValue(v.value)}`);
    if ((old.name ?? '') !== (v.name ?? ''))
      lines.push(
        `Changed the name of variation ${mdValue(v.value)} from ${mdValue(old.name)} to ${mdValue(v.name)}`,
      );
    if ((old.description ?? '') !== (v.description ?? ''))
      lines.push(
        `Changed the description of variation ${mdValue(v.value)} from ${mdValue(old.description)} to ${mdValue(v.description)}`,
      );
  }
  for (const v of before) if (!now.has(v._id)) lines.push(`Removed the variation ${mdValue(v.value)}`);
  if (lines.length > 0) return lines;
  return [
    `Changed the variations from ${mdValue(before.map((v) => v.value))} to ${mdValue(after.map((v) => v.value))}`,
  ];
}
