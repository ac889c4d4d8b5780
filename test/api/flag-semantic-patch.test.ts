import { beforeEach, describe, expect, it } from 'vitest';
import { actions, eachTestWithDefaultProject } from '../helpers/flag-tests.js';
import { snapshot, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };

const { createFlag, latestAudit } = eachTestWithDefaultProject((started) => {
  t = started;
});

async function instructions(list: unknown[], environmentKey?: string, comment?: string) {
  return t.api(
    'PATCH',
    '/api/v2/flags/default/new-checkout',
    { environmentKey, comment, instructions: list },
    semantic,
  );
}

describe('flags: semantic patch', () => {
  let trueId: string;
  let falseId: string;
  beforeEach(async () => {
    const flag = await createFlag();
    trueId = flag.variations[0]._id;
    falseId = flag.variations[1]._id;
  });

  it('turnFlagOn / turnFlagOff in one environment', async () => {
    let res = await instructions([{ kind: 'turnFlagOn' }], 'production', 'go');
    expect(res.status).toBe(200);
    expect(res.body.environments.production.on).toBe(true);
    let entry = await latestAudit();
    expect(actions(entry)).toEqual(['updateOn proj/default:env/production:flag/new-checkout']);
    expect(entry.comment).toBe('go');
    expect(entry.delta).toEqual([{ kind: 'turnFlagOn' }]);
    res = await instructions([{ kind: 'turnFlagOff' }], 'production');
    expect(res.body.environments.production.on).toBe(false);
    entry = await latestAudit();
    expect(entry.titleVerb).toBe('turned off the flag');
    expect(entry.description).toBe('- Turned the flag off');
  });

  it('updateOffVariation and updateFallthroughVariationOrRollout', async () => {
    let res = await instructions([{ kind: 'updateOffVariation', variationId: trueId }], 'test');
    expect(res.body.environments.test.offVariation).toBe(0);
    res = await instructions(
      [
        {
          kind: 'updateFallthroughVariationOrRollout',
          rolloutWeights: { [trueId]: 25_000, [falseId]: 75_000 },
        },
      ],
      'test',
    );
    expect(res.status).toBe(200);
    expect(res.body.environments.test.fallthrough).toEqual({
      rollout: {
        variations: [
          { variation: 0, weight: 25_000 },
          { variation: 1, weight: 75_000 },
        ],
      },
    });
    const entry = await latestAudit();
    expect(entry.description).toBe(
      '- Changed the default rule from *true* to a percentage rollout (25% *true*, 75% *false*)',
    );
    expect(actions(entry)).toEqual(['updateFallthrough proj/default:env/test:flag/new-checkout']);
    res = await instructions([{ kind: 'updateFallthroughVariationOrRollout', variationId: falseId }], 'test');
    expect(res.body.environments.test.fallthrough).toEqual({ variation: 1 });
  });

  it('addTargets / removeTargets', async () => {
    let res = await instructions(
      [{ kind: 'addTargets', variationId: trueId, values: ['a', 'b'] }],
      'production',
    );
    expect(res.body.environments.production.targets).toEqual([{ values: ['a', 'b'], variation: 0 }]);
    expect((await latestAudit()).accesses[0].action).toBe('updateTargets');
    res = await instructions([{ kind: 'removeTargets', variationId: trueId, values: ['a'] }], 'production');
    expect(res.body.environments.production.targets).toEqual([{ values: ['b'], variation: 0 }]);
    expect((await latestAudit()).description).toBe(
      '- Removed *a* from the individual targets serving *true*',
    );
    const conflict = await instructions(
      [{ kind: 'addTargets', variationId: falseId, values: ['b'] }],
      'production',
    );
    expect(conflict.status).toBe(400);
    expect(conflict.body.message).toContain('already targeted');
  });

  it('addRule / removeRule', async () => {
    let res = await instructions(
      [
        {
          kind: 'addRule',
          clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'] }],
          variationId: trueId,
          description: 'Staff',
        },
      ],
      'production',
    );
    expect(res.status).toBe(200);
    const rule = res.body.environments.production.rules[0];
    expect(rule).toMatchObject({
      variation: 0,
      description: 'Staff',
      clauses: [{ attribute: 'email', op: 'endsWith', negate: false }],
    });
    expect((await latestAudit()).accesses[0].action).toBe('updateRules');
    res = await instructions([{ kind: 'removeRule', ruleId: rule._id }], 'production');
    expect(res.body.environments.production.rules).toEqual([]);
    expect((await latestAudit()).description).toContain('Removed rule 1');
  });

  it('flag-wide instructions: names, tags, archive, temporary', async () => {
    let res = await instructions([
      { kind: 'updateName', value: 'Checkout' },
      { kind: 'updateDescription', value: 'The new one' },
      { kind: 'addTags', values: ['a', 'b'] },
    ]);
    expect(res.body).toMatchObject({ name: 'Checkout', description: 'The new one', tags: ['a', 'b'] });
    expect((await latestAudit()).accesses.map((a: { action: string }) => a.action)).toEqual([
      'updateName',
      'updateName',
      'updateDescription',
      'updateDescription',
      'updateTags',
      'updateTags',
    ]);
    res = await instructions([{ kind: 'removeTags', values: ['a'] }]);
    expect(res.body.tags).toEqual(['b']);
    res = await instructions([{ kind: 'archiveFlag' }]);
    expect(res.body.archived).toBe(true);
    expect((await latestAudit()).titleVerb).toBe('archived the flag');
    res = await instructions([{ kind: 'restoreFlag' }]);
    expect(res.body.archived).toBe(false);
    res = await instructions([{ kind: 'makeFlagPermanent' }]);
    expect(res.body.temporary).toBe(false);
    expect((await latestAudit()).accesses[0].action).toBe('updateTemporary');
    res = await instructions([{ kind: 'makeFlagTemporary' }]);
    expect(res.body.temporary).toBe(true);
  });

  it('rejects bad instructions whole, with the pointer, changing nothing', async () => {
    const before = await snapshot(t);
    const cases: [unknown[], string | undefined, string, number][] = [
      [[{ kind: 'turnFlagOn' }], undefined, '/environmentKey', 400],
      [[{ kind: 'turnFlagOn' }], 'staging', '/environmentKey', 400],
      [[{ kind: 'turnFlagOn' }, { kind: 'explode' }], 'production', '/instructions/1/kind', 400],
      [
        [{ kind: 'updateOffVariation', variationId: 'nope' }],
        'production',
        '/instructions/0/variationId',
        400,
      ],
      // Removing a rule that does not exist does nothing, as LaunchDarkly documents; no ruleId is a 400.
      [[{ kind: 'removeRule' }], 'production', '/instructions/0/ruleId', 400],
      [[{ kind: 'updateName' }], undefined, '/instructions/0/value', 400],
    ];
    for (const [list, env, pointer, status] of cases) {
      const res = await instructions(list, env);
      expect(res.status, JSON.stringify(list)).toBe(status);
      expect(res.body.message).toContain(pointer);
    }
    const extra = await t.api(
      'PATCH',
      '/api/v2/flags/default/new-checkout',
      { instructions: [{ kind: 'turnFlagOn' }], env: 'x' },
      semantic,
    );
    expect(extra.body.message).toBe('/env: unknown field');
    expect(await snapshot(t)).toBe(before);
  });
});
