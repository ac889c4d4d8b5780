import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, type Someone, someone } from './security-kit.js';

// Issue 16, item 8: a semantic instruction is authorized as the change it makes. A role that may
// only toggle flags must not reach rules, targets, variations or the maintainer through
// instructions, nor may a segment role that renames reach the segment's targets.

let t: TestSwitchboard;
let toggler: Someone;
let renamer: Someone;
const semantic = (who: Someone) => ({
  ...who.headers,
  'content-type': 'application/json; domain-model=launchdarkly.semanticpatch',
});

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'payments', name: 'Payments' });
  await t.api('POST', '/api/v2/segments/default/production', { key: 'beta', name: 'Beta' });
  await customRole(t, 'toggle-only', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['updateOn'] },
  ]);
  await customRole(t, 'segment-names', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/*:env/*:segment/*'], actions: ['updateName'] },
  ]);
  toggler = await someone(t, 'tom', 'no_access', ['toggle-only']);
  renamer = await someone(t, 'rita', 'no_access', ['segment-names']);
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('semantic instructions are authorized as the change they make', () => {
  it('a toggle-only role toggles, and nothing else, even inside the same patch', async () => {
    const flag = (await t.api('GET', '/api/v2/flags/default/payments')).body;
    const [on, off] = flag.variations.map((v: { _id: string }) => v._id);
    const me = (await t.api('GET', '/api/v2/members/me')).body._id;
    const ok = await t.api(
      'PATCH',
      '/api/v2/flags/default/payments',
      { environmentKey: 'production', instructions: [{ kind: 'turnFlagOn' }] },
      semantic(toggler),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);

    const attacks: [unknown[], string][] = [
      [
        [
          {
            kind: 'addRule',
            variationId: on,
            clauses: [{ attribute: 'email', op: 'in', values: ['me@x.com'] }],
          },
        ],
        'updateRules',
      ],
      [
        [
          { kind: 'turnFlagOff' },
          { kind: 'replaceRules', rules: [] },
          { kind: 'addTargets', variationId: on, values: ['me'] },
        ],
        'updateTargets',
      ],
      [[{ kind: 'addTargets', variationId: on, values: ['me'] }], 'updateTargets'],
      [[{ kind: 'updateFallthroughVariationOrRollout', variationId: off }], 'updateFallthrough'],
      [[{ kind: 'updateVariation', variationId: on, name: 'Yes' }], 'updateFlagVariations'],
      [[{ kind: 'updateMaintainerMember', value: me }], 'updateMaintainer'],
      [[{ kind: 'turnFlagOff' }, { kind: 'updateName', value: 'Mine' }], 'updateName'],
    ];
    for (const [instructions, action] of attacks) {
      const before = await snapshot(t);
      const res = await t.api(
        'PATCH',
        '/api/v2/flags/default/payments',
        { environmentKey: 'production', instructions },
        semantic(toggler),
      );
      expect(res.status, JSON.stringify(instructions)).toBe(403);
      expect(res.body.message, JSON.stringify(instructions)).toContain(action);
      expect(await snapshot(t)).toBe(before);
    }
  });

  it('a segment role that may rename cannot include or exclude anyone', async () => {
    const url = '/api/v2/segments/default/production/beta';
    const ok = await t.api(
      'PATCH',
      url,
      { instructions: [{ kind: 'updateName', value: 'Beta 2' }] },
      semantic(renamer),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    for (const instruction of [
      { kind: 'addIncludedUsers', values: ['me'] },
      { kind: 'addExcludedTargets', contextKind: 'org', values: ['o'] },
      { kind: 'addRule', clauses: [{ attribute: 'key', op: 'in', values: ['me'] }] },
    ]) {
      const before = await snapshot(t);
      const res = await t.api('PATCH', url, { instructions: [instruction] }, semantic(renamer));
      expect(res.status, JSON.stringify(instruction)).toBe(403);
      expect(await snapshot(t)).toBe(before);
    }
  });
});
