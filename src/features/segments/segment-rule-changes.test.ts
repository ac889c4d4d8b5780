import { describe, expect, it } from 'vitest';
import type { SegmentRule } from './segment-model.js';
import { describeRuleChanges, ruleText } from './segment-rule-changes.js';

const rule = (id: string, value: string, extra: Partial<SegmentRule> = {}): SegmentRule => ({
  _id: id,
  clauses: [{ attribute: 'plan', op: 'in', values: [value], negate: false }],
  ...extra,
});

describe('describeRuleChanges', () => {
  it('says nothing when nothing changed', () => {
    expect(describeRuleChanges([rule('a', 'pro')], [rule('a', 'pro')])).toEqual([]);
  });

  it('names removed, added and changed rules by id', () => {
    expect(
      describeRuleChanges([rule('a', 'pro'), rule('b', 'free')], [rule('a', 'team'), rule('c', 'trial')]),
    ).toEqual([
      'Removed the rule *plan* in *free*',
      'Changed the rule *plan* in *pro* to *plan* in *team*',
      'Added the rule *plan* in *trial*',
    ]);
  });

  it('reports a pure reordering', () => {
    expect(
      describeRuleChanges([rule('a', 'pro'), rule('b', 'free')], [rule('b', 'free'), rule('a', 'pro')]),
    ).toEqual(['Reordered the rules']);
  });
});

describe('ruleText', () => {
  it('shows negation, weight, bucketing and escapes values', () => {
    expect(
      ruleText({
        _id: 'a',
        clauses: [
          { attribute: 'email', op: 'endsWith', values: ['*evil*'], negate: true },
          { attribute: 'country', op: 'in', values: ['fr', 'de'], negate: false },
        ],
        weight: 12_500,
        bucketBy: 'orgId',
      }),
    ).toBe('*email* not endsWith *\\*evil\\** and *country* in *fr*, *de* (12.5%) bucketed by *orgId*');
    expect(ruleText({ _id: 'b', clauses: [] })).toBe('every context');
  });
});
