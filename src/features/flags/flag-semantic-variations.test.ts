import { describe, expect, it } from 'vitest';
import { apply, flag, prod, refusal } from '../../../test/helpers/flag-semantic-fixture.js';
import type { FlagDoc } from './flag-model.js';
import type { SemanticLookups } from './flag-semantic-context.js';
import { semanticInstructionKinds, semanticLookupsNeeded } from './flag-semantic-patch.js';

/** A flag whose production rules serve red and green. */
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

describe('flag semantic patch: variations', () => {
  it('adds, updates and removes variations, renumbering every reference', () => {
    let doc = apply([
      { kind: 'addVariation', value: 'pink', name: 'Pink', description: 'new' },
      { kind: 'updateVariation', variationId: 'v-green', name: 'Green', value: 'lime' },
    ]);
    expect(doc.variations.slice(1)).toEqual([
      { _id: 'v-green', value: 'lime', name: 'Green' },
      { _id: 'v-blue', value: 'blue' },
      { _id: 'id1', value: 'pink', name: 'Pink', description: 'new' },
    ]);
    doc = apply(
      [
        { kind: 'addTargets', variationId: 'id1', values: ['u'] },
        { kind: 'updateFallthroughVariationOrRollout', rolloutWeights: { 'v-red': 50_000, id1: 50_000 } },
        { kind: 'removeVariation', variationId: 'v-green' },
      ],
      doc,
    );
    expect(doc.variations.map((v) => v._id)).toEqual(['v-red', 'v-blue', 'id1']);
    expect(doc.defaults).toEqual({ onVariation: 0, offVariation: 1 });
    expect(prod(doc)).toMatchObject({
      offVariation: 1,
      targets: [{ values: ['u'], variation: 2 }],
      fallthrough: { rollout: { variations: [{ variation: 0 }, { variation: 2 }] } },
    });
    expect(doc.environments.test?.offVariation).toBe(1);
  });

  it('sets the default variations for new environments by value', () => {
    const doc = apply([
      { kind: 'updateDefaultVariation', onVariationValue: 'green', OffVariationValue: 'red' },
    ]);
    expect(doc.defaults).toEqual({ onVariation: 1, offVariation: 0 });
  });

  it('refuses a variation in use, a renumbering another flag depends on, and bad values', () => {
    const dependents = [{ flagKey: 'login', envKey: 'test', variation: 1 }];
    const cases: [Record<string, unknown>, string, FlagDoc?, Partial<SemanticLookups>?][] = [
      [{ kind: 'removeVariation', variationId: 'v-red' }, '/instructions/0/variationId'],
      [{ kind: 'removeVariation', variationId: 'v-blue' }, '/instructions/0/variationId'],
      [{ kind: 'removeVariation', variationId: 'v-red' }, '/instructions/0/variationId', withRules],
      [
        { kind: 'removeVariation', variationId: 'v-green' },
        '/instructions/0/variationId',
        flag,
        { dependents },
      ],
      [
        { kind: 'removeVariation', variationId: 'v-green' },
        '/instructions/0/variationId',
        flag,
        { dependents: [{ ...dependents[0], variation: 2 } as never] },
      ],
      [{ kind: 'addVariation', value: 3 }, '/instructions/0/value'],
      [{ kind: 'addVariation', value: 'red' }, '/instructions/0/value'],
      [{ kind: 'addVariation' }, '/instructions/0/value'],
      [{ kind: 'addVariation', value: null }, '/instructions/0/value'],
      [{ kind: 'addVariation', value: 'x', name: 7 }, '/instructions/0/name'],
      [{ kind: 'updateVariation', variationId: 'v-red', value: 'blue' }, '/instructions/0/value'],
      [{ kind: 'updateVariation', variationId: 'v-red' }, '/instructions/0/value'],
      [{ kind: 'updateVariation', variationId: 'nope', name: 'x' }, '/instructions/0/variationId'],
      [{ kind: 'updateDefaultVariation', onVariationValue: 'pink' }, '/instructions/0/onVariationValue'],
      [{ kind: 'updateDefaultVariation' }, '/instructions/0/onVariationValue'],
    ];
    for (const [instruction, pointer, doc, more] of cases)
      expect(refusal([instruction], doc ?? flag, more), JSON.stringify(instruction)).toBe(pointer);
    // The green variation is free: nothing refers to it, no other flag names a later one.
    expect(
      refusal([{ kind: 'removeVariation', variationId: 'v-green' }], flag, {
        dependents: [{ ...dependents[0], variation: 0 } as never],
      }),
    ).toBe('accepted');

    const boolean: FlagDoc = {
      ...flag,
      kind: 'boolean',
      variations: [
        { _id: 't', value: true },
        { _id: 'f', value: false },
      ],
      defaults: { onVariation: 0, offVariation: 1 },
    };
    expect(refusal([{ kind: 'addVariation', value: true }], boolean)).toBe('/instructions/0/kind');
    expect(refusal([{ kind: 'updateVariation', variationId: 't', value: 'yes' }], boolean)).toBe(
      '/instructions/0/value',
    );
    expect(refusal([{ kind: 'removeVariation', variationId: 'f' }], boolean)).toBe(
      '/instructions/0/variationId',
    );
    expect(apply([{ kind: 'updateVariation', variationId: 't', name: 'On' }], boolean).variations[0]).toEqual(
      {
        _id: 't',
        value: true,
        name: 'On',
      },
    );
  });
});

describe('flag semantic patch: settings', () => {
  it('names, tags, maintainer, availability, custom properties, archive and temporary', () => {
    let doc = apply([
      { kind: 'updateName', value: 'Checkout v2' },
      { kind: 'updateDescription', value: 'The new one' },
      { kind: 'addTags', values: ['beta', 'web'] },
      { kind: 'removeTags', values: ['web'] },
      { kind: 'updateMaintainerMember', value: 'm1' },
      { kind: 'turnOnClientSideAvailability', value: 'usingMobileKey' },
      { kind: 'addCustomProperties', key: 'jira', name: 'Jira', values: ['A-1'] },
      { kind: 'addCustomProperties', key: 'jira', name: 'Jira', values: ['A-2'] },
      { kind: 'archiveFlag' },
      { kind: 'makeFlagPermanent' },
    ]);
    expect(doc).toMatchObject({
      name: 'Checkout v2',
      description: 'The new one',
      tags: ['beta'],
      maintainerId: 'm1',
      clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
      customProperties: { jira: { name: 'Jira', value: ['A-1', 'A-2'] } },
      archived: true,
      temporary: false,
    });
    doc = apply(
      [
        { kind: 'removeMaintainer' },
        { kind: 'turnOffClientSideAvailability', value: 'usingMobileKey' },
        { kind: 'removeCustomProperties', key: 'jira', values: ['A-1', 'A-2'] },
        { kind: 'replaceCustomProperties', key: 'team', name: 'Team', values: ['x'] },
        { kind: 'restoreFlag' },
        { kind: 'makeFlagTemporary' },
      ],
      doc,
    );
    expect(doc.maintainerId).toBeUndefined();
    expect(doc).toMatchObject({
      customProperties: { team: { name: 'Team', value: ['x'] } },
      archived: false,
      temporary: true,
    });
    expect(doc.customProperties.jira).toBeUndefined();
  });

  it('refuses bad settings by pointer, and unknown instructions by kind', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'updateName' }, '/instructions/0/value'],
      [{ kind: 'addTags', values: 'beta' }, '/instructions/0/values'],
      [{ kind: 'updateMaintainerMember', value: 'ghost' }, '/instructions/0/value'],
      [{ kind: 'updateMaintainerTeam', value: 'team' }, '/instructions/0/kind'],
      [{ kind: 'turnOnClientSideAvailability', value: 'usingSdkKey' }, '/instructions/0/value'],
      [{ kind: 'addCustomProperties', key: 'jira', values: ['x'] }, '/instructions/0/name'],
      [{ kind: 'explode' }, '/instructions/0/kind'],
      [{ kind: 'toString' }, '/instructions/0/kind'],
    ];
    for (const [instruction, pointer] of cases)
      expect(refusal([instruction]), JSON.stringify(instruction)).toBe(pointer);
  });

  it('is all or nothing: a later refusal leaves the flag as it was', () => {
    const before = structuredClone(flag);
    expect(refusal([{ kind: 'turnFlagOn' }, { kind: 'updateName', value: 'X' }, { kind: 'explode' }])).toBe(
      '/instructions/2/kind',
    );
    expect(flag).toEqual(before);
  });

  it('lists what the caller must look up, and every instruction LaunchDarkly documents that it takes', () => {
    expect(
      semanticLookupsNeeded({
        environmentKey: 'production',
        comment: undefined,
        instructions: [
          { kind: 'addPrerequisite', key: 'a' },
          { kind: 'replacePrerequisites', prerequisites: [{ key: 'b' }, { key: 'a' }] },
          { kind: 'updateMaintainerMember', value: 'm1' },
          { kind: 'removeVariation' },
        ],
      }),
    ).toEqual({ flagKeys: ['a', 'b'], memberIds: ['m1'], dependents: true });
    expect(semanticInstructionKinds).toEqual(
      expect.arrayContaining([
        'addPrerequisite',
        'removePrerequisite',
        'updatePrerequisite',
        'addClauses',
        'removeClauses',
        'updateClause',
        'addValuesToClause',
        'removeValuesFromClause',
        'reorderRules',
        'updateRuleVariationOrRollout',
        'updateRuleDescription',
        'addVariation',
        'removeVariation',
        'updateVariation',
        'replaceTargets',
        'updateMaintainerMember',
        'replaceRules',
        'clearTargets',
      ]),
    );
  });
});
