import { describe, expect, it } from 'vitest';
import { apply, flag, lookups, prod, refusal } from '../../../test/helpers/flag-semantic-fixture.js';
import type { FlagEnvironmentDoc } from './flag-model.js';
import { applySemanticPatch } from './flag-semantic-patch.js';

/** A flag with two rules of two clauses each in production. */
const withRules = apply([
  {
    kind: 'addRule',
    variationId: 'v-red',
    clauses: [
      { attribute: 'country', op: 'in', values: ['NO'] },
      { attribute: 'plan', op: 'in', values: ['pro'], contextKind: 'org', negate: true },
    ],
  },
  {
    kind: 'addRule',
    variationId: 'v-green',
    clauses: [{ attribute: 'email', op: 'endsWith', values: ['@a.com'] }],
  },
]);
const [rule1, rule2] = prod(withRules).rules as [
  FlagEnvironmentDoc['rules'][number],
  FlagEnvironmentDoc['rules'][number],
];

describe('flag semantic patch: rules and clauses', () => {
  it('adds rules with generated ids, clauses, and trackEvents false', () => {
    expect(rule1).toMatchObject({ _id: 'id1', variation: 0, trackEvents: false });
    expect(rule1.clauses.map((c) => c._id)).toEqual(['id2', 'id3']);
    expect(rule1.clauses[1]).toMatchObject({ contextKind: 'org', negate: true });
  });

  it('edits clauses: add, update (keeping the id), add and remove values, remove', () => {
    const doc = apply(
      [
        {
          kind: 'addClauses',
          ruleId: rule1._id,
          clauses: [{ attribute: 'age', op: 'greaterThan', values: [18] }],
        },
        {
          kind: 'updateClause',
          ruleId: rule1._id,
          clauseId: 'id2',
          clause: { attribute: 'country', op: 'in', values: ['SE'] },
        },
        { kind: 'addValuesToClause', ruleId: rule1._id, clauseId: 'id2', values: ['DK', 'SE'] },
        { kind: 'removeValuesFromClause', ruleId: rule1._id, clauseId: 'id2', values: ['SE'] },
        { kind: 'removeClauses', ruleId: rule1._id, clauseIds: ['id3'] },
      ],
      withRules,
    );
    const clauses = prod(doc).rules[0]?.clauses;
    expect(clauses).toEqual([
      { _id: 'id2', attribute: 'country', op: 'in', values: ['DK'], negate: false },
      { _id: 'id1', attribute: 'age', op: 'greaterThan', values: [18], negate: false },
    ]);
  });

  it('reorders, updates serving, description and trackEvents, replaces and removes rules', () => {
    let doc = apply(
      [
        { kind: 'reorderRules', ruleIds: [rule2._id, rule1._id] },
        {
          kind: 'updateRuleVariationOrRollout',
          ruleId: rule1._id,
          rolloutWeights: { 'v-red': 40_000, 'v-blue': 60_000 },
        },
        { kind: 'updateRuleDescription', ruleId: rule1._id, description: 'Nordics' },
        { kind: 'updateRuleTrackEvents', ruleId: rule2._id, trackEvents: true },
      ],
      withRules,
    );
    expect(prod(doc).rules.map((r) => r._id)).toEqual([rule2._id, rule1._id]);
    expect(prod(doc).rules[1]).toMatchObject({
      description: 'Nordics',
      rollout: {
        variations: [
          { variation: 0, weight: 40_000 },
          { variation: 2, weight: 60_000 },
        ],
      },
    });
    expect(prod(doc).rules[1]?.variation).toBeUndefined();
    expect(prod(doc).rules[0]?.trackEvents).toBe(true);

    doc = apply(
      [
        { kind: 'removeRule', ruleId: rule1._id },
        { kind: 'removeRule', ruleId: 'gone' },
      ],
      withRules,
    );
    expect(prod(doc).rules.map((r) => r._id)).toEqual([rule2._id]);

    doc = apply(
      [
        {
          kind: 'replaceRules',
          rules: [
            {
              variationId: 'v-blue',
              description: 'All',
              trackEvents: true,
              clauses: [{ attribute: 'k', op: 'in', values: ['x'] }],
            },
          ],
        },
      ],
      withRules,
    );
    expect(prod(doc).rules).toEqual([
      {
        _id: 'id1',
        description: 'All',
        trackEvents: true,
        variation: 2,
        clauses: [{ _id: 'id2', attribute: 'k', op: 'in', values: ['x'], negate: false }],
      },
    ]);
  });

  it('refuses bad rule and clause instructions by pointer', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'addRule', variationId: 'v-red', clauses: [] }, '/instructions/0/clauses'],
      [
        { kind: 'addRule', variationId: 'v-red', clauses: [{ attribute: 'a', op: 'like', values: ['x'] }] },
        '/instructions/0/clauses/0/op',
      ],
      [
        { kind: 'addRule', variationId: 'v-red', clauses: [{ attribute: 'a', op: 'in', values: [] }] },
        '/instructions/0/clauses/0/values',
      ],
      [
        {
          kind: 'addRule',
          variationId: 'v-red',
          clauses: [{ attribute: 'a', op: 'in', values: ['x'], contextKind: 'multi' }],
        },
        '/instructions/0/clauses/0/contextKind',
      ],
      [
        {
          kind: 'addRule',
          rolloutWeights: { 'v-red': 50_000 },
          clauses: [{ attribute: 'a', op: 'in', values: ['x'] }],
        },
        '/instructions/0/rolloutWeights',
      ],
      [
        {
          kind: 'addRule',
          variationId: 'v-red',
          beforeRuleId: 'nope',
          clauses: [{ attribute: 'a', op: 'in', values: ['x'] }],
        },
        '/instructions/0/beforeRuleId',
      ],
      [
        { kind: 'addClauses', ruleId: 'nope', clauses: [{ attribute: 'a', op: 'in', values: ['x'] }] },
        '/instructions/0/ruleId',
      ],
      [{ kind: 'removeClauses', ruleId: rule1._id, clauseIds: ['nope'] }, '/instructions/0/clauseIds/0'],
      [{ kind: 'updateClause', ruleId: rule1._id, clauseId: 'nope', clause: {} }, '/instructions/0/clauseId'],
      [
        { kind: 'updateClause', ruleId: rule1._id, clauseId: 'id2', clause: { attribute: 'a', op: 'in' } },
        '/instructions/0/clause/values',
      ],
      [{ kind: 'addValuesToClause', ruleId: rule1._id, clauseId: 'id2' }, '/instructions/0/values'],
      [
        { kind: 'removeValuesFromClause', ruleId: rule1._id, clauseId: 'id2', values: ['NO'] },
        '/instructions/0/values',
      ],
      [{ kind: 'reorderRules', ruleIds: [rule1._id] }, '/instructions/0/ruleIds'],
      [{ kind: 'reorderRules', ruleIds: [rule1._id, rule1._id] }, '/instructions/0/ruleIds'],
      [{ kind: 'updateRuleVariationOrRollout', ruleId: rule1._id }, '/instructions/0/variationId'],
      [{ kind: 'updateRuleDescription', ruleId: rule1._id }, '/instructions/0/description'],
      [
        { kind: 'updateRuleTrackEvents', ruleId: rule1._id, trackEvents: 'yes' },
        '/instructions/0/trackEvents',
      ],
      [
        { kind: 'replaceRules', rules: [{ clauses: [{ attribute: 'a', op: 'in', values: ['x'] }] }] },
        '/instructions/0/rules/0/variationId',
      ],
      [{ kind: 'replaceRules' }, '/instructions/0/rules'],
    ];
    for (const [instruction, pointer] of cases)
      expect(refusal([instruction], withRules), JSON.stringify(instruction)).toBe(pointer);
  });
});

describe('flag semantic patch: targeting', () => {
  it('adds, removes, replaces and clears targets by context kind', () => {
    let doc = apply([
      { kind: 'addTargets', variationId: 'v-red', values: ['u1', 'u2'] },
      { kind: 'addTargets', variationId: 'v-red', values: ['o1'], contextKind: 'org' },
      { kind: 'addUserTargets', variationId: 'v-green', values: ['u3'] },
      { kind: 'removeTargets', variationId: 'v-red', values: ['u2'] },
    ]);
    expect(prod(doc).targets).toEqual([
      { values: ['u1'], variation: 0 },
      { values: ['o1'], variation: 0, contextKind: 'org' },
      { values: ['u3'], variation: 1 },
    ]);
    const base = doc;
    doc = apply([{ kind: 'clearUserTargets', variationId: 'v-red' }], base);
    expect(prod(doc).targets).toEqual([
      { values: ['o1'], variation: 0, contextKind: 'org' },
      { values: ['u3'], variation: 1 },
    ]);
    doc = apply([{ kind: 'clearTargets', variationId: 'v-red' }], base);
    expect(prod(doc).targets).toEqual([{ values: ['u3'], variation: 1 }]);
    doc = apply(
      [
        {
          kind: 'replaceTargets',
          targets: [
            { variationId: 'v-blue', values: ['a'] },
            { contextKind: 'device', variationId: 'v-green', values: ['d'] },
          ],
        },
      ],
      base,
    );
    expect(prod(doc).targets).toEqual([
      { values: ['a'], variation: 2 },
      { values: ['d'], variation: 1, contextKind: 'device' },
    ]);
    doc = apply([{ kind: 'replaceUserTargets', targets: [{ variationId: 'v-blue', values: ['z'] }] }], base);
    expect(prod(doc).targets).toEqual([
      { values: ['o1'], variation: 0, contextKind: 'org' },
      { values: ['z'], variation: 2 },
    ]);
    expect(refusal([{ kind: 'removeUserTargets', variationId: 'v-red', values: ['nobody'] }], base)).toBe(
      'accepted',
    );
  });

  it('turns on, sets the off variation, default rule and event tracking in one environment only', () => {
    const doc = apply([
      { kind: 'turnFlagOn' },
      { kind: 'updateOffVariation', variationId: 'v-green' },
      {
        kind: 'updateFallthroughVariationOrRollout',
        rolloutWeights: { 'v-red': 100_000 },
        rolloutBucketBy: 'email',
        rolloutContextKind: 'org',
      },
      { kind: 'updateTrackEvents', trackEvents: true },
      { kind: 'updateTrackEventsFallthrough', trackEvents: true },
    ]);
    expect(prod(doc)).toMatchObject({
      on: true,
      offVariation: 1,
      fallthrough: {
        rollout: { variations: [{ variation: 0, weight: 100_000 }], bucketBy: 'email', contextKind: 'org' },
      },
      trackEvents: true,
      trackEventsFallthrough: true,
    });
    expect(doc.environments.test).toEqual(flag.environments.test);
    expect(apply([{ kind: 'turnFlagOff' }], doc).environments.production?.on).toBe(false);
  });

  it('adds, updates, replaces and removes prerequisites by the other flag variation _id', () => {
    let doc = apply([{ kind: 'addPrerequisite', key: 'login', variationId: 'l-on' }]);
    expect(prod(doc).prerequisites).toEqual([{ key: 'login', variation: 0 }]);
    doc = apply([{ kind: 'updatePrerequisite', key: 'login', variationId: 'l-off' }], doc);
    expect(prod(doc).prerequisites).toEqual([{ key: 'login', variation: 1 }]);
    doc = apply(
      [
        { kind: 'removePrerequisite', key: 'login' },
        { kind: 'removePrerequisite', key: 'ghost' },
      ],
      doc,
    );
    expect(prod(doc).prerequisites).toEqual([]);
    doc = apply(
      [{ kind: 'replacePrerequisites', prerequisites: [{ key: 'login', variationId: 'l-off' }] }],
      doc,
    );
    expect(prod(doc).prerequisites).toEqual([{ key: 'login', variation: 1 }]);
  });

  it('refuses bad targeting instructions by pointer', () => {
    const targeted = apply([{ kind: 'addTargets', variationId: 'v-red', values: ['u1'] }]);
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'addTargets', variationId: 'v-green', values: ['u1'] }, '/instructions/0/values/0'],
      [{ kind: 'addTargets', variationId: 'nope', values: ['u1'] }, '/instructions/0/variationId'],
      [{ kind: 'addTargets', variationId: 'v-red', values: 'u1' }, '/instructions/0/values'],
      [{ kind: 'addTargets', variationId: 'v-red', values: [''] }, '/instructions/0/values/0'],
      [
        { kind: 'addTargets', variationId: 'v-red', values: ['x'], contextKind: 'kind' },
        '/instructions/0/contextKind',
      ],
      [
        {
          kind: 'replaceTargets',
          targets: [
            { variationId: 'v-red', values: ['a'] },
            { variationId: 'v-blue', values: ['a'] },
          ],
        },
        '/instructions/0/targets/1/values/0',
      ],
      [{ kind: 'replaceTargets', targets: [{ values: ['a'] }] }, '/instructions/0/targets/0/variationId'],
      [{ kind: 'clearTargets' }, '/instructions/0/variationId'],
      [
        { kind: 'updateFallthroughVariationOrRollout', variationId: 'v-red', rolloutWeights: {} },
        '/instructions/0/rolloutWeights',
      ],
      [
        { kind: 'updateFallthroughVariationOrRollout', rolloutWeights: { 'v-red': -1 } },
        '/instructions/0/rolloutWeights/v-red',
      ],
      [{ kind: 'updateTrackEvents' }, '/instructions/0/trackEvents'],
      [{ kind: 'addPrerequisite', key: 'ghost', variationId: 'x' }, '/instructions/0/key'],
      [{ kind: 'addPrerequisite', key: 'checkout', variationId: 'v-red' }, '/instructions/0/key'],
      [{ kind: 'addPrerequisite', key: 'login', variationId: 'x' }, '/instructions/0/variationId'],
      [{ kind: 'updatePrerequisite', key: 'login', variationId: 'l-on' }, '/instructions/0/key'],
      [
        {
          kind: 'replacePrerequisites',
          prerequisites: [
            { key: 'login', variationId: 'l-on' },
            { key: 'login', variationId: 'l-off' },
          ],
        },
        '/instructions/0/prerequisites/1/key',
      ],
    ];
    for (const [instruction, pointer] of cases)
      expect(refusal([instruction], targeted), JSON.stringify(instruction)).toBe(pointer);
  });

  it('needs environmentKey for environment instructions, not for flag-wide ones', () => {
    const noEnv = (instructions: Record<string, unknown>[]) => () =>
      applySemanticPatch(
        flag,
        { environmentKey: undefined, comment: undefined, instructions: instructions as never },
        { flagKey: 'checkout', newId: () => 'x', lookups },
      );
    expect(noEnv([{ kind: 'turnFlagOn' }])).toThrow('/environmentKey');
    expect(
      noEnv([
        { kind: 'addVariation', value: 'pink' },
        { kind: 'updateName', value: 'N' },
      ])().name,
    ).toBe('N');
  });
});
