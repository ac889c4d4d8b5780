import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/app-errors.js';
import type { SegmentDoc } from './segment-model.js';
import { applySegmentSemanticPatch } from './segment-semantic-patch.js';

const segment: SegmentDoc = {
  name: 'Beta',
  description: '',
  tags: ['web'],
  included: ['u1'],
  excluded: [],
  includedContexts: [],
  excludedContexts: [],
  rules: [],
  creationDate: 1,
};

function apply(instructions: Record<string, unknown>[], doc = segment, environmentKey?: string) {
  let n = 0;
  return applySegmentSemanticPatch(
    doc,
    { environmentKey, comment: undefined, instructions: instructions as never },
    'production',
    () => `id${++n}`,
  );
}

function refusal(instructions: Record<string, unknown>[], doc = segment, environmentKey?: string) {
  try {
    apply(instructions, doc, environmentKey);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]?.pointer;
    throw error;
  }
  return 'accepted';
}

describe('segment semantic patch: individual targets', () => {
  it('adds and removes included and excluded keys, user keys in included/excluded', () => {
    let doc = apply([
      { kind: 'addIncludedTargets', contextKind: 'org', values: ['o1', 'o2', 'o1'] },
      { kind: 'addExcludedTargets', contextKind: 'org', values: ['o3'] },
      { kind: 'addIncludedTargets', contextKind: 'user', values: ['u2'] },
      { kind: 'addExcludedUsers', values: ['u3'] },
      { kind: 'addIncludedUsers', values: ['u4', 'u1'] },
    ]);
    expect(doc).toMatchObject({
      included: ['u1', 'u2', 'u4'],
      excluded: ['u3'],
      includedContexts: [{ contextKind: 'org', values: ['o1', 'o2'] }],
      excludedContexts: [{ contextKind: 'org', values: ['o3'] }],
    });
    doc = apply(
      [
        { kind: 'removeIncludedTargets', contextKind: 'org', values: ['o1', 'o2'] },
        { kind: 'removeExcludedTargets', contextKind: 'org', values: ['nobody'] },
        { kind: 'removeIncludedUsers', values: ['u1'] },
        { kind: 'removeExcludedUsers', values: ['u3'] },
      ],
      doc,
    );
    expect(doc).toMatchObject({
      included: ['u2', 'u4'],
      excluded: [],
      includedContexts: [],
      excludedContexts: [{ contextKind: 'org', values: ['o3'] }],
    });
  });

  it('refuses a key both included and excluded, a missing context kind, bad keys', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'addExcludedUsers', values: ['u1'] }, '/instructions/0/values/0'],
      [{ kind: 'addExcludedTargets', contextKind: 'user', values: ['x', 'u1'] }, '/instructions/0/values/1'],
      [{ kind: 'addIncludedTargets', values: ['o1'] }, '/instructions/0/contextKind'],
      [{ kind: 'addIncludedTargets', contextKind: 'multi', values: ['o1'] }, '/instructions/0/contextKind'],
      [{ kind: 'removeIncludedTargets', contextKind: 'org' }, '/instructions/0/values'],
      [{ kind: 'addIncludedUsers', values: [''] }, '/instructions/0/values/0'],
    ];
    for (const [instruction, pointer] of cases)
      expect(refusal([instruction]), JSON.stringify(instruction)).toBe(pointer);
  });
});

describe('segment semantic patch: rules', () => {
  const withRule = apply([
    {
      kind: 'addRule',
      description: 'Staff',
      clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'] }],
    },
    {
      kind: 'addRule',
      clauses: [{ attribute: 'plan', op: 'in', values: ['pro'], contextKind: 'org' }],
      weight: 50_000,
      rolloutContextKind: 'org',
    },
  ]);
  const [first, second] = withRule.rules.map((r) => r._id) as [string, string];

  it('adds rules with ids, edits clauses, descriptions, rollout, order; removes', () => {
    expect(withRule.rules[0]).toEqual({
      _id: 'id1',
      description: 'Staff',
      clauses: [{ _id: 'id2', attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
    });
    expect(withRule.rules[1]).toMatchObject({ weight: 50_000, rolloutContextKind: 'org' });
    let doc = apply(
      [
        { kind: 'addClauses', ruleId: first, clauses: [{ attribute: 'country', op: 'in', values: ['NO'] }] },
        { kind: 'addValuesToClause', ruleId: first, clauseId: 'id2', values: ['@acme.org'] },
        { kind: 'removeValuesFromClause', ruleId: first, clauseId: 'id2', values: ['@acme.com'] },
        {
          kind: 'updateClause',
          ruleId: second,
          clauseId: 'id4',
          clause: { attribute: 'plan', op: 'in', values: ['team'] },
        },
        { kind: 'updateRuleDescription', ruleId: second, description: 'Teams' },
        { kind: 'updateRuleRolloutAndContextKind', ruleId: second, weight: '20000', contextKind: 'device' },
        { kind: 'reorderRules', ruleIds: [second, first] },
      ],
      withRule,
    );
    expect(doc.rules.map((r) => r._id)).toEqual([second, first]);
    expect(doc.rules[0]).toMatchObject({
      description: 'Teams',
      weight: 20_000,
      rolloutContextKind: 'device',
    });
    expect(doc.rules[0]?.clauses).toEqual([
      { _id: 'id4', attribute: 'plan', op: 'in', values: ['team'], negate: false },
    ]);
    expect(doc.rules[1]?.clauses.map((c) => c.values)).toEqual([['@acme.org'], ['NO']]);
    doc = apply(
      [
        { kind: 'removeClauses', ruleId: first, clauseIds: ['id1'] },
        { kind: 'removeRule', ruleId: second },
        { kind: 'removeRule', ruleId: 'gone' },
      ],
      doc,
    );
    expect(doc.rules.map((r) => [r._id, r.clauses.length])).toEqual([[first, 1]]);
  });

  it('refuses bad rule instructions by pointer', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { kind: 'addRule', clauses: [{ attribute: 'a', op: 'like', values: ['x'] }] },
        '/instructions/0/clauses/0/op',
      ],
      [{ kind: 'addRule', clauses: 'all' }, '/instructions/0/clauses'],
      [{ kind: 'addRule', clauses: [], weight: 100_001 }, '/instructions/0/weight'],
      [
        { kind: 'addClauses', ruleId: 'nope', clauses: [{ attribute: 'a', op: 'in', values: ['x'] }] },
        '/instructions/0/ruleId',
      ],
      [{ kind: 'updateClause', ruleId: first, clauseId: 'nope', clause: {} }, '/instructions/0/clauseId'],
      [{ kind: 'reorderRules', ruleIds: [first] }, '/instructions/0/ruleIds'],
      [{ kind: 'updateRuleRolloutAndContextKind', ruleId: second, weight: 'half' }, '/instructions/0/weight'],
      [{ kind: 'updateRuleDescription', ruleId: first }, '/instructions/0/description'],
    ];
    for (const [instruction, pointer] of cases)
      expect(refusal([instruction], withRule), JSON.stringify(instruction)).toBe(pointer);
  });
});

describe('segment semantic patch: settings and the patch as a whole', () => {
  it('renames, describes, tags', () => {
    const doc = apply([
      { kind: 'updateName', value: 'Beta testers' },
      { kind: 'updateDescription', value: 'Early access' },
      { kind: 'addTags', values: ['beta'] },
      { kind: 'removeTags', values: ['web'] },
    ]);
    expect(doc).toMatchObject({ name: 'Beta testers', description: 'Early access', tags: ['beta'] });
  });

  it('refuses unknown kinds, missing values, another environment; leaves the segment untouched', () => {
    const before = structuredClone(segment);
    expect(refusal([{ kind: 'updateName', value: 'X' }, { kind: 'turnFlagOn' }])).toBe(
      '/instructions/1/kind',
    );
    expect(refusal([{ kind: 'updateName' }])).toBe('/instructions/0/value');
    expect(refusal([{ kind: 'addTags', values: [1] }])).toBe('/instructions/0/values');
    expect(refusal([{ kind: 'updateName', value: 'X' }], segment, 'test')).toBe('/environmentKey');
    expect(refusal([{ kind: 'updateName', value: 'X' }], segment, 'production')).toBe('accepted');
    expect(segment).toEqual(before);
  });
});
